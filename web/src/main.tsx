import { render } from 'preact';
import { sessionToken } from './account/session.ts';
import { setLanguage, startLanguage } from './i18n/index.ts';
import './prefs/theme.ts';
import { lazyPage } from './ui/lazy.tsx';
import './styles.css';

// One chunk per page (see ui/lazy.tsx).
const Home = lazyPage(() => import('./home/Home.tsx').then((m) => m.Home), ['home', 'error']);
const MeetingPage = lazyPage(() => import('./meeting/MeetingPage.tsx').then((m) => m.MeetingPage), ['meeting', 'talk', 'lobby', 'breakout', 'capture', 'moderation', 'e2ee', 'account', 'error']);
const LiveViewer = lazyPage(() => import('./live/LiveViewer.tsx').then((m) => m.LiveViewer), ['live']);
const AuthPage = lazyPage(() => import('./account/AuthPage.tsx').then((m) => m.AuthPage), ['account', 'error']);
const ResetPage = lazyPage(() => import('./account/ResetPage.tsx').then((m) => m.ResetPage), ['account', 'error']);
const ChatApp = lazyPage(() => import('./channels/ChatApp.tsx').then((m) => m.ChatApp), ['chat', 'account', 'error']);
const CalendarApp = lazyPage(() => import('./calendar/CalendarApp.tsx').then((m) => m.CalendarApp), ['calendar', 'account', 'error']);
const ContactsApp = lazyPage(() => import('./contacts/ContactsApp.tsx').then((m) => m.ContactsApp), ['contacts', 'account', 'error']);

function App() {
  // /m/<id>, and /m/<id>/recordings for its recordings library.
  const meeting = /^\/m\/([A-Za-z0-9_-]{1,64})(\/recordings)?\/?$/.exec(location.pathname);
  // The recordings library rides in the meeting's chunk: one more route entry here would weigh on every page, the live viewer's too.
  if (meeting) return <MeetingPage id={meeting[1]!} library={meeting[2] !== undefined} />;
  const live = /^\/live\/([a-z2-7]{26})\/?$/.exec(location.pathname);
  if (live) return <LiveViewer id={live[1]!} />;
  const invite = /^\/chat\/invite\/([A-Za-z0-9_-]{10,200})\/?$/.exec(location.pathname);
  if (invite && !sessionToken.value) return <AuthPage invitation={invite[1]!} />;
  if (invite) return <AuthPage key="accept" invitation={invite[1]!} />;
  const reset = /^\/chat\/reset\/([A-Za-z0-9_-]{20,100})\/?$/.exec(location.pathname);
  if (reset) return <ResetPage token={reset[1]!} />;
  if (/^\/calendar\/?$/.test(location.pathname)) return sessionToken.value ? <CalendarApp key={sessionToken.value} token={sessionToken.value} /> : <AuthPage />;
  if (/^\/contacts\/?$/.test(location.pathname)) return sessionToken.value ? <ContactsApp key={sessionToken.value} token={sessionToken.value} /> : <AuthPage />;
  if (/^\/chat\/?$/.test(location.pathname)) return sessionToken.value ? <ChatApp key={sessionToken.value} token={sessionToken.value} /> : <AuthPage />;
  // Pages few open (an invitation's answer link) ride on this last route (see Home): every page's main chunk stays as light as it is.
  return <Home />;
}

// The messages first: nothing shows half translated.
// Should its messages not load, English is tried, then the page shows as it can (its shared pieces are in English already).
void setLanguage(startLanguage())
  .catch(() => setLanguage('en'))
  .catch(() => undefined)
  .finally(() => render(<App />, document.getElementById('app')!));
