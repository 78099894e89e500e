/** The Unicode property value aliases of ECMAScript regular expressions (Mathias Bynens' package, no types of its own). */
declare module 'unicode-match-property-value-ecmascript/data/mappings.js' {
  /** Property name → (alias or canonical value → canonical value). */
  const mappings: Map<string, Map<string, string>>;
  export default mappings;
}
