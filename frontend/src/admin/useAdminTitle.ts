import { useEffect } from "react";

export const CONSOLE_NAME = "Fieldsync operator console";

/** The tab's title: "<title> · Fieldsync operator console". */
export function useAdminTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · ${CONSOLE_NAME}` : CONSOLE_NAME;
  }, [title]);
}
