import { GraphiQL } from "graphiql";
import { useMemo } from "react";
import { playgroundFetcher } from "./fetcher";

/** GraphiQL (docs explorer, history, variables and headers panes). */
export function Playground() {
  const fetcher = useMemo(() => playgroundFetcher(), []);
  return (
    <div className="playground">
      <main className="playground__ide">
        <GraphiQL fetcher={fetcher} />
      </main>
    </div>
  );
}
