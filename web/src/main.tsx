import { render } from 'preact';
import { Home } from './home/Home.tsx';
import { MeetingPage } from './meeting/MeetingPage.tsx';
import './styles.css';

function App() {
  const meeting = /^\/m\/([A-Za-z0-9_-]{1,64})\/?$/.exec(location.pathname);
  if (meeting) return <MeetingPage id={meeting[1]!} />;
  return <Home />;
}

render(<App />, document.getElementById('app')!);
