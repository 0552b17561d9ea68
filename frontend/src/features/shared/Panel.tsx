import { Heading } from "@jobber/components/Heading";
import { useId, type ReactNode } from "react";

interface Props {
  title?: string;
  /** Beside the title, e.g. buttons. */
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}

/**
 * A titled surface (a labelled `<section>`), styled like Atlantis' Card. Atlantis' Card imports its
 * header menu and, through it, a large accessibility library on every page that shows a card.
 */
export function Panel({ title, actions, children, className, testId }: Props) {
  const id = useId();
  return (
    <section
      className={`panel${className ? ` ${className}` : ""}`}
      aria-labelledby={title ? id : undefined}
      data-testid={testId}
    >
      {(title || actions) && (
        <div className="panel-header">
          {title && (
            <Heading level={4} element="h2" id={id}>
              {title}
            </Heading>
          )}
          {actions && <div className="panel-actions">{actions}</div>}
        </div>
      )}
      <div className="panel-body">{children}</div>
    </section>
  );
}
