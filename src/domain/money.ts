// Money as people type it and as currencies define it: shared by the commands, the forms and ingestion.

const DIGITS = new Map<string, number>();

/** Digits after the decimal point of a currency's minor unit (2 for USD, 0 for JPY); remembered per currency. */
export function minorDigits(currency: string): number {
  let digits = DIGITS.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    if (DIGITS.size < 1000) DIGITS.set(currency, digits);
  }
  return digits;
}

/** 50000, 50,000, $50k, 1.5m, 75% (a share): the number as written, in major units. */
export function parseAmount(raw: string): number | null {
  const m = /^[$€£¥]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*([kKmM%])?$/.exec(raw.trim());
  if (!m) return null;
  const base = Number(`${(m[1] ?? '').replace(/,/g, '')}${m[2] ?? ''}`);
  const suffix = m[3]?.toLowerCase();
  return suffix === 'k' ? base * 1e3 : suffix === 'm' ? base * 1e6 : suffix === '%' ? base / 100 : base;
}
