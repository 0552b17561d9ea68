import { Heading } from "@jobber/components/Heading";
import type { ReactNode } from "react";
import { usePageTitle } from "../../app/usePageTitle";

interface Props {
  /** The page's h1, also its `<title>` (unless `documentTitle` says otherwise). */
  title: string;
  documentTitle?: string;
  /** Beside the heading, e.g. a status label. */
  meta?: ReactNode;
  /** At the heading's end, e.g. "Log out". */
  actions?: ReactNode;
  width?: "narrow" | "standard";
  children: ReactNode;
}

/**
 * A page's heading and content column. Our own instead of Atlantis' `Page`, which always bundles
 * its Markdown renderer and action menu (about 70 KB compressed) that none of our pages uses.
 */
export function PageLayout({ title, documentTitle, meta, actions, width = "standard", children }: Props) {
  usePageTitle(documentTitle ?? title);
  return (
    <div className={`page page--${width}`}>
      <div className="page-header">
        <div className="page-title">
          <Heading level={1}>{title}</Heading>
          {meta}
        </div>
        {actions && <div className="page-actions">{actions}</div>}
      </div>
      <div className="page-body">{children}</div>
    </div>
  );
}
