import { Card } from "@jobber/components/Card";
import { Content } from "@jobber/components/Content";
import { Glimmer } from "@jobber/components/Glimmer";

/** Placeholder while a page's first query runs; announced to screen readers. */
export function PageLoading({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" aria-busy="true" style={{ padding: "var(--space-large)" }}>
      <span className="visually-hidden">{label}…</span>
      {/* The placeholders are decoration: the label above is what assistive tech announces. */}
      <div aria-hidden="true">
        <Content>
          <Glimmer.Header level={1} />
          <Card>
            <Content>
              <Glimmer.Text lines={3} />
              <Glimmer.Button />
            </Content>
          </Card>
        </Content>
      </div>
    </div>
  );
}
