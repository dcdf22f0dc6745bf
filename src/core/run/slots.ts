/**
 * The weighted slot pool: slot 0 is the CPU slots, slots 1..k the declared resources.
 * Start rule (SPEC §3): an action fits when, for every slot it needs, `inUse + need <=
 * capacity`; an action needing more than a slot's capacity fits only when nothing else
 * holds that slot, and then runs alone on it (while it holds `need > capacity`, nothing
 * else can fit: `inUse + x > capacity` for every x >= 1).
 */

/** Pairs of (slot index, amount), amounts >= 1, each slot at most once. */
export type Need = readonly (readonly [slot: number, amount: number])[];

export class SlotPool {
  private readonly inUse: number[];

  /** `capacities[i]` is an integer >= 1 or Infinity. */
  constructor(private readonly capacities: readonly number[]) {
    this.inUse = capacities.map(() => 0);
  }

  /** `reserved`: amounts held back for a higher-ranked action that is waiting (see scheduler). */
  fits(need: Need, reserved?: ReadonlyMap<number, number>): boolean {
    for (const [slot, amount] of need) {
      const used = (this.inUse[slot] ?? 0) + (reserved?.get(slot) ?? 0);
      const cap = this.capacities[slot] ?? 0;
      if (used + amount <= cap) continue;
      if (used === 0 && amount > cap) continue; // over capacity: runs alone on this slot
      return false;
    }
    return true;
  }

  /** The slots on which `need` does not fit now, with what to hold back for it (at most the capacity). */
  blocking(need: Need): [number, number][] {
    const out: [number, number][] = [];
    for (const [slot, amount] of need) {
      const used = this.inUse[slot] ?? 0;
      const cap = this.capacities[slot] ?? 0;
      if (used + amount <= cap || (used === 0 && amount > cap)) continue;
      out.push([slot, Math.min(amount, cap)]);
    }
    return out;
  }

  acquire(need: Need): void {
    for (const [slot, amount] of need) this.inUse[slot] = (this.inUse[slot] ?? 0) + amount;
  }

  release(need: Need): void {
    for (const [slot, amount] of need) this.inUse[slot] = (this.inUse[slot] ?? 0) - amount;
  }

  capacity(slot: number): number {
    return this.capacities[slot] ?? 0;
  }

  used(slot: number): number {
    return this.inUse[slot] ?? 0;
  }

  /** True when no action could fit whatever it needs on `slot` (used for an early stop). */
  full(slot: number): boolean {
    return (this.inUse[slot] ?? 0) >= (this.capacities[slot] ?? 0);
  }
}
