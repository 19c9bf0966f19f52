import { render } from 'preact';
import { Home } from './home/Home.tsx';
import { MeetingPage } from './meeting/MeetingPage.tsx';
import { LiveViewer } from './live/LiveViewer.tsx';
import './styles.css';

function App() {
  const meeting = /^\/m\/([A-Za-z0-9_-]{1,64})\/?$/.exec(location.pathname);
  if (meeting) return <MeetingPage id={meeting[1]!} />;
  const live = /^\/live\/([a-z2-7]{26})\/?$/.exec(location.pathname);
  if (live) return <LiveViewer id={live[1]!} />;
  return <Home />;
}

render(<App />, document.getElementById('app')!);
