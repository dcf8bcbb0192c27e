import { type CSSVariablesResolver, createTheme } from '@mantine/core';

/** One theme, light and dark; colours chosen for 4.5:1 contrast on both backgrounds. */
export const theme = createTheme({
  primaryColor: 'indigo',
  // Shade 7 under white text is 4.9:1 in both themes (shade 4, Mantine's dark default, is 2.6:1).
  primaryShade: { light: 7, dark: 7 },
  // Text on filled colours is black or white, whichever reads better on that colour.
  autoContrast: true,
  defaultRadius: 'sm',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '650' },
  components: {
    // A link inside a sentence must not be told apart by colour alone (WCAG 1.4.1).
    Anchor: { defaultProps: { underline: 'always' } },
    // Mantine's close buttons are icons: name them for screen readers.
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    Drawer: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    // A notification's text under its title is Mantine's grey 6 (3.3:1); the readable dimmed grey instead.
    Notification: { styles: { description: { color: 'var(--mantine-color-dimmed)' } } },
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
