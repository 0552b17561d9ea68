import { createContext, useContext, type ReactNode } from "react";

/** Server routes that must be reached with a full-page navigation, not the SPA router. */
export const AUTH_START_URL = "/auth/jobber";
export const LOGOUT_URL = "/auth/logout";

export type FullPageNavigate = (url: string) => void;

const NavigationContext = createContext<FullPageNavigate>((url) => window.location.assign(url));

/** Lets tests observe full-page navigations (jsdom cannot perform them). */
export function NavigationProvider({
  navigate,
  children,
}: {
  navigate: FullPageNavigate;
  children: ReactNode;
}) {
  return <NavigationContext.Provider value={navigate}>{children}</NavigationContext.Provider>;
}

/** Leaves the SPA: the browser loads `url` from the server. */
export function useFullPageNavigate(): FullPageNavigate {
  return useContext(NavigationContext);
}
