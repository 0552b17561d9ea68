import { useEffect } from "react";
import { useAppName } from "./appInfo";

/** Sets the tab's title to "<title> · Fieldsync" (just the app's name without one). */
export function usePageTitle(title: string | null): void {
  const appName = useAppName();
  useEffect(() => {
    document.title = title ? `${title} · ${appName}` : appName;
  }, [title, appName]);
}
