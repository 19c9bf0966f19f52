-- CardDAV. A card's name in its book (`href`): what a device PUT it as, or
-- "<id>.vcf" for a card made in Parley. `extra`: the vCard properties Parley
-- does not edit (a photo, a nickname, a device's own X- fields), as jCard,
-- written back in every copy so a device gets back what it wrote. Per book,
-- `purged_seq`: the last change number whose deleted card has left the trash
-- for good; a device that last synced before it cannot be told of that
-- deletion and must sync again from scratch (RFC 6578, valid-sync-token).
alter table contacts add column href text;
update contacts set href = id || '.vcf';
alter table contacts alter column href set not null;
alter table contacts add column extra jsonb not null default '[]';
create unique index contacts_href on contacts(book_id, href);
alter table address_books add column purged_seq bigint not null default 0;
