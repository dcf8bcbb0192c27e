import { type CSSVariablesResolver, createTheme } from '@mantine/core';

/** One theme, light and dark; colours chosen for 4.5:1 contrast on both backgrounds. */
export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 7, dark: 4 },
  // Indigo 4 under white text is 2.6:1 in the dark theme; filled parts pick dark text there instead.
  autoContrast: true,
  defaultRadius: 'sm',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '650' },
  components: {
    // A link inside a sentence must not be told apart by colour alone (WCAG 1.4.1).
    Anchor: { defaultProps: { underline: 'always' } },
    // The scroll lock (react-remove-scroll) injects a <style> element without the CSP nonce,
    // which the CSP refuses; a modal over a page that still scrolls is the lesser cost.
    Modal: { defaultProps: { lockScroll: false } },
  },
});

/**
 * Mantine's dimmed grey is 3.3:1 on white, under the 4.5:1 WCAG AA asks of body text; these
 * greys are 6:1 on the light background and 7:1 on the dark one.
 */
export const cssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': '#5c636a' },
  dark: { '--mantine-color-dimmed': '#a6a7ab' },
});

/** The per-response nonce the server writes into the page; Mantine puts it on its `<style>` tags. */
export function styleNonce(): string {
  return document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';
}
