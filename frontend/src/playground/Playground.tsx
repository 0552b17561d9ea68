import { GraphiQL } from "graphiql";
import { useMemo } from "react";
import { exampleTabs } from "./examples";
import { playgroundFetcher } from "./fetcher";
import { SessionBar } from "./SessionBar";

/** GraphiQL (docs explorer, history, variables and headers panes) under the session bar. */
export function Playground() {
  const fetcher = useMemo(() => playgroundFetcher(), []);
  const tabs = useMemo(() => exampleTabs(), []);
  return (
    <div className="playground">
      <SessionBar />
      <main className="playground__ide">
        <GraphiQL fetcher={fetcher} defaultTabs={tabs} defaultEditorToolsVisibility="variables" />
      </main>
    </div>
  );
}
