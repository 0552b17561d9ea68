import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from "react";

export interface TabItem<K extends string> {
  key: K;
  label: string;
}

interface Props<K extends string> {
  /** Names the tab list for assistive tech, e.g. "Synced records". */
  label: string;
  tabs: ReadonlyArray<TabItem<K>>;
  selected: K;
  onSelect(key: K): void;
  /** The selected tab's content (only the selected panel is rendered). */
  children: ReactNode;
}

/**
 * Tabs per the WAI-ARIA tabs pattern: `aria-selected`, `aria-controls` ↔ `aria-labelledby`, one
 * Tab stop (roving tabindex), arrow keys / Home / End move and select. Atlantis' Tabs (6.x) sets
 * neither `aria-selected` nor `aria-controls` and takes no ids, hence our own. On a narrow screen
 * the tab row scrolls sideways by itself (never the page), keeping the selected tab in view.
 */
export function Tabs<K extends string>({ label, tabs, selected, onSelect, children }: Props<K>) {
  const base = useId();
  const refs = useRef(new Map<K, HTMLButtonElement>());
  const tabId = (key: K) => `${base}-tab-${key}`;
  const panelId = (key: K) => `${base}-panel-${key}`;

  useEffect(() => {
    refs.current.get(selected)?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }, [selected]);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = tabs.findIndex((t) => t.key === selected);
    const next =
      event.key === "ArrowRight"
        ? (index + 1) % tabs.length
        : event.key === "ArrowLeft"
          ? (index - 1 + tabs.length) % tabs.length
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? tabs.length - 1
              : null;
    const tab = next === null ? undefined : tabs[next];
    if (!tab) return;
    event.preventDefault();
    onSelect(tab.key);
    refs.current.get(tab.key)?.focus();
  }

  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} className="tab-list" onKeyDown={onKeyDown}>
        {tabs.map((tab) => {
          const isSelected = tab.key === selected;
          return (
            <button
              key={tab.key}
              ref={(el) => {
                if (el) refs.current.set(tab.key, el);
                else refs.current.delete(tab.key);
              }}
              type="button"
              role="tab"
              id={tabId(tab.key)}
              aria-selected={isSelected}
              aria-controls={panelId(tab.key)}
              tabIndex={isSelected ? 0 : -1}
              className={isSelected ? "tab tab--selected" : "tab"}
              onClick={() => onSelect(tab.key)}
            >
              {tab.label}
            </button>
          );
        })}
      </div>
      {tabs.map((tab) => (
        <div
          key={tab.key}
          role="tabpanel"
          id={panelId(tab.key)}
          aria-labelledby={tabId(tab.key)}
          hidden={tab.key !== selected}
          tabIndex={tab.key === selected ? 0 : -1}
          className="tab-panel"
        >
          {tab.key === selected ? children : null}
        </div>
      ))}
    </div>
  );
}
