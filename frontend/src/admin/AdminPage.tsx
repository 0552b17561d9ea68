import { Heading } from "@jobber/components/Heading";
import type { ReactNode } from "react";
import { useAdminTitle } from "./useAdminTitle";

interface Props {
  title: string;
  /** Beside the heading, e.g. a status label. */
  meta?: ReactNode;
  /** Above the heading, e.g. a link back to the list. */
  back?: ReactNode;
  children: ReactNode;
}

/** A console page: its h1 (also the tab's title) and content, full width for dense tables. */
export function AdminPage({ title, meta, back, children }: Props) {
  useAdminTitle(title);
  return (
    <div className="page admin-page">
      {back && <div className="admin-back">{back}</div>}
      <div className="page-header">
        <div className="page-title">
          <Heading level={2} element="h1">
            {title}
          </Heading>
          {meta}
        </div>
      </div>
      <div className="page-body">{children}</div>
    </div>
  );
}
