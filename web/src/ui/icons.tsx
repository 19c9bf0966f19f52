// One icon set for meeting, chat and calendar: Lucide's SVG icons (the
// `lucide` package's icon data, imported by name so that only those used are
// bundled), drawn by this one component. Icons are decoration: the control
// that holds one carries the accessible name (aria-label or its text).
import { h } from 'preact';
import {
  ArrowLeft, Bell, BellOff, Calendar, Check, ChevronDown, ChevronLeft, ChevronRight, CircleDot, Clock, Copy, DoorClosed, Download,
  Ellipsis, EllipsisVertical, ExternalLink, Eye, EyeOff, FaceSlightlySmiling, FaceSlightlySmilingPlus, Globe, Hand, Hash, Info, KeyRound,
  LayoutGrid, Link, Lock, LogOut, MapPin, Menu, MessageSquare, MessageSquareReply, MessagesSquare, Mic, MicOff, Moon, Paperclip, Pencil,
  Phone, PhoneOff, Pin, PinOff, Play, Plus, Radio, RefreshCw, Repeat, ScreenShare, Search, SendHorizontal, Settings, Shield, Square, Star,
  Sun, SunMoon, Trash, TriangleAlert, Upload, UserMinus, UserPlus, Users, Video, VideoOff, Volume2, VolumeX, X,
} from 'lucide';

type IconNode = [tag: string, attrs: Record<string, string | number | undefined>][];

const icons = {
  mic: Mic,
  micOff: MicOff,
  camera: Video,
  cameraOff: VideoOff,
  screen: ScreenShare,
  chat: MessageSquare,
  smile: FaceSlightlySmiling,
  react: FaceSlightlySmilingPlus,
  hand: Hand,
  people: Users,
  settings: Settings,
  leave: PhoneOff,
  link: Link,
  close: X,
  send: SendHorizontal,
  lock: Lock,
  rooms: LayoutGrid,
  record: CircleDot,
  live: Radio,
  star: Star,
  attach: Paperclip,
  pin: Pin,
  unpin: PinOff,
  edit: Pencil,
  trash: Trash,
  call: Phone,
  search: Search,
  calendar: Calendar,
  room: DoorClosed,
  place: MapPin,
  back: ChevronLeft,
  forward: ChevronRight,
  arrowBack: ArrowLeft,
  expand: ChevronDown,
  hash: Hash,
  addPerson: UserPlus,
  removePerson: UserMinus,
  signOut: LogOut,
  copy: Copy,
  check: Check,
  language: Globe,
  light: Sun,
  dark: Moon,
  auto: SunMoon,
  add: Plus,
  reply: MessageSquareReply,
  threads: MessagesSquare,
  more: Ellipsis,
  moreVertical: EllipsisVertical,
  bell: Bell,
  bellOff: BellOff,
  play: Play,
  stop: Square,
  menu: Menu,
  info: Info,
  warning: TriangleAlert,
  shield: Shield,
  key: KeyRound,
  upload: Upload,
  download: Download,
  refresh: RefreshCw,
  show: Eye,
  hide: EyeOff,
  sound: Volume2,
  soundOff: VolumeX,
  external: ExternalLink,
  clock: Clock,
  repeat: Repeat,
} satisfies Record<string, IconNode>;

export type IconName = keyof typeof icons;

export function Icon({ name, size = 22, class: className }: { name: IconName; size?: number; class?: string }) {
  const node: IconNode = icons[name];
  return (
    <svg
      class={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {node.map(([tag, attrs], i) => h(tag, { key: i, ...attrs }))}
    </svg>
  );
}
