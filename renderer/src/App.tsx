import { useEffect } from 'react';
import { StatusBar } from './shell/StatusBar';
import { useStudioStore } from './store';
import { VIEWS, type ViewId } from './store/navigation-slice';
import { DashboardView } from './dashboard/DashboardView';
import { ModerationView } from './moderation/ModerationView';
import { ReplaysView } from './replays/ReplaysView';
import { StudioView } from './studio/StudioView';

const VIEW_COMPONENTS: Record<ViewId, () => React.JSX.Element> = {
  studio: StudioView,
  dashboard: DashboardView,
  moderation: ModerationView,
  replays: ReplaysView,
};

/** Alt+1…4 switch views; plain digits are left for the host's product shortcuts. */
function useViewShortcuts(): void {
  const showView = useStudioStore((state) => state.showView);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const view = VIEWS[Number(event.key) - 1];
      if (view) {
        event.preventDefault();
        showView(view.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [showView]);
}

export function App() {
  const view = useStudioStore((state) => state.view);
  const showView = useStudioStore((state) => state.showView);
  useViewShortcuts();
  const View = VIEW_COMPONENTS[view];
  return (
    <div className="app">
      <nav className="nav" aria-label="Views">
        <span className="brand">ShopCast Studio</span>
        {VIEWS.map((item, index) => (
          <button
            key={item.id}
            className={item.id === view ? 'nav-item active' : 'nav-item'}
            aria-current={item.id === view ? 'page' : undefined}
            title={`${item.label} (Alt+${index + 1})`}
            onClick={() => showView(item.id)}
          >
            {item.label}
          </button>
        ))}
      </nav>
      <main className="view" data-testid={`view-${view}`}>
        <View />
      </main>
      <StatusBar />
    </div>
  );
}
