/**
 * Splits the text of a `/kpi ...` command into words. Double quotes group words ("Product 101"); Slack clients
 * turn straight quotes into curly ones, so “...” and ‘...’ group too. Slack's escaped mentions
 * (<@U123|dana>, <#C123|sales>) stay one word.
 *
 * @example tokenize('quiz "Product 101" 8/10') // ['quiz', 'Product 101', '8/10']
 */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  const re = /<[^>\s]*>|"([^"]*)"?|“([^”]*)”?|‘([^’]*)’?|(\S+)/g;
  for (const m of text.matchAll(re)) {
    const quoted = m[1] ?? m[2] ?? m[3];
    words.push(quoted !== undefined ? quoted : m[0]);
  }
  return words;
}
