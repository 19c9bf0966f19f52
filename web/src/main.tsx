import { render } from 'preact';
import { Home } from './home/Home.tsx';
import { MeetingPage } from './meeting/MeetingPage.tsx';
import { LiveViewer } from './live/LiveViewer.tsx';
import { AuthPage } from './account/AuthPage.tsx';
import { ResetPage } from './account/ResetPage.tsx';
import { sessionToken } from './account/session.ts';
import { ChatApp } from './channels/ChatApp.tsx';
import { CalendarApp } from './calendar/CalendarApp.tsx';
import './styles.css';

function App() {
  const meeting = /^\/m\/([A-Za-z0-9_-]{1,64})\/?$/.exec(location.pathname);
  if (meeting) return <MeetingPage id={meeting[1]!} />;
  const live = /^\/live\/([a-z2-7]{26})\/?$/.exec(location.pathname);
  if (live) return <LiveViewer id={live[1]!} />;
  const invite = /^\/chat\/invite\/([A-Za-z0-9_-]{10,200})\/?$/.exec(location.pathname);
  if (invite && !sessionToken.value) return <AuthPage invitation={invite[1]!} />;
  if (invite) return <AuthPage key="accept" invitation={invite[1]!} />;
  const reset = /^\/chat\/reset\/([A-Za-z0-9_-]{20,100})\/?$/.exec(location.pathname);
  if (reset) return <ResetPage token={reset[1]!} />;
  if (/^\/calendar\/?$/.test(location.pathname)) return sessionToken.value ? <CalendarApp key={sessionToken.value} token={sessionToken.value} /> : <AuthPage />;
  if (/^\/chat\/?$/.test(location.pathname)) return sessionToken.value ? <ChatApp key={sessionToken.value} token={sessionToken.value} /> : <AuthPage />;
  return <Home />;
}

render(<App />, document.getElementById('app')!);
