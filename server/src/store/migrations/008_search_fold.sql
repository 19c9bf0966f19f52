-- Search finds words whatever their accents and case: "apres" finds
-- "après", "ZURICH" finds "Zürich". The same folding runs on the stored text
-- (in the generated tsvector) and on the query (message-store.ts), in SQL both
-- times, so the two always agree. Plain lower/translate/replace: no extension
-- (unaccent is not in every PostgreSQL, nor in PGlite by default). lower()
-- alone leaves accented capitals as they are under the C locale: they are
-- listed too. Text is composed first (NFC: an "è" pasted as e + accent
-- becomes one letter). Other scripts' capitals (Greek, Cyrillic) stay as they
-- are under the C locale: their search is case-sensitive.
create function parley_fold(t text) returns text language sql immutable parallel safe as $$
  select translate(
    replace(replace(replace(replace(replace(lower(normalize(t, NFC)), 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss'),
    'àáâãäåāăąÀÁÂÃÄÅĀĂĄçćčÇĆČďđĎĐèéêëēėęěÈÉÊËĒĖĘĚìíîïīįıÌÍÎÏĪĮİłľĺŁĽĹñńňÑŃŇòóôõöōőøÒÓÔÕÖŌŐØřŕŘŔśšşŚŠŞťţŤŢùúûüūůűųÙÚÛÜŪŮŰŲýÿÝŸžźżŽŹŻğĞ',
    'aaaaaaaaaaaaaaaaaaccccccddddeeeeeeeeeeeeeeeeiiiiiiiiiiiiiillllllnnnnnnoooooooooooooooorrrrssssssttttuuuuuuuuuuuuuuuuyyyyzzzzzzgg')
$$;
drop index messages_tsv;
alter table messages drop column tsv;
alter table messages add column tsv tsvector generated always as (to_tsvector('simple', parley_fold(body))) stored;
create index messages_tsv on messages using gin(tsv) with (fastupdate = off);
