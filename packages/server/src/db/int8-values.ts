/** int8 (sequences, millisecond timestamps) as JS numbers: every value we store is below 2^53. */
export const INT8_OID = 20;
export const parseInt8 = (value: string): number => Number(value);
