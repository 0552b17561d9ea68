import { Glimmer } from "@jobber/components/Glimmer";

/** Placeholder while a page's first query runs; announced to screen readers. */
export function PageLoading({ label }: { label: string }) {
  return (
    <div className="page page--standard" role="status" aria-live="polite" aria-busy="true">
      <span className="visually-hidden">{label}…</span>
      {/* The placeholders are decoration: the label above is what assistive tech announces. */}
      <div aria-hidden="true" className="page-body">
        <Glimmer.Header level={1} />
        <div className="panel">
          <div className="panel-body">
            <Glimmer.Text lines={3} />
            <Glimmer.Button />
          </div>
        </div>
      </div>
    </div>
  );
}
