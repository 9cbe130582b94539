const known = new Map<string, boolean>();

/** True when the runtime's time zone database knows the IANA name. */
export function isValidTimeZone(name: string): boolean {
  let valid = known.get(name);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      valid = true;
    } catch {
      valid = false;
    }
    known.set(name, valid);
  }
  return valid;
}
