//! Stands in for `react-style-singleton` (vite.config.ts aliases it here). Radix's dialogs and menus
//! in GraphiQL lock the page's scrolling through `react-remove-scroll`, whose styles that package
//! adds as a `<style>` element: the app's Content-Security-Policy (`style-src 'self'`, no
//! 'unsafe-inline' and no per-response nonce for a static page) refuses it and reports a
//! violation. This keeps its API and behaviour (one sheet while any user is mounted) but adopts a
//! constructed stylesheet, which the CSP allows, like every other style set through the CSSOM.
//! Hand-written because no package does it: react-style-singleton only knows `<style>` tags.
import { useEffect, type FC } from "react";

const canAdopt = () => typeof CSSStyleSheet !== "undefined" && "adoptedStyleSheets" in Document.prototype;

export function stylesheetSingleton() {
  let counter = 0;
  let sheet: CSSStyleSheet | null = null;
  return {
    add(style: string) {
      if (counter === 0 && canAdopt()) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(style);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      counter += 1;
    },
    remove() {
      counter -= 1;
      if (counter === 0 && sheet) {
        const added = sheet;
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== added);
        sheet = null;
      }
    },
  };
}

export function styleHookSingleton() {
  const sheet = stylesheetSingleton();
  return function useStyle(styles: string, isDynamic?: boolean) {
    // As upstream: the styles are read when the first user mounts; later changes count only
    // when `isDynamic`.
    const key = styles && isDynamic;
    useEffect(() => {
      sheet.add(styles);
      return () => sheet.remove();
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [key]);
  };
}

export function styleSingleton(): FC<{ styles: string; dynamic?: boolean }> {
  const useStyle = styleHookSingleton();
  const Sheet: FC<{ styles: string; dynamic?: boolean }> = ({ styles, dynamic }) => {
    useStyle(styles, dynamic);
    return null;
  };
  return Sheet;
}

