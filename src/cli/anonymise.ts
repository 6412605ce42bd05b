/**
 * Realistic stand-ins for personal data, for `learnfile mirror --anonymise`. Every value
 * passes the contract's validation (ULN mod-11 check, HMRC NINO format), and every value is
 * derived from a keyed hash of the source record's identity, so the same person gets the
 * same stand-in on every run (which is what makes a re-run update instead of duplicate)
 * while nobody without the key can work back from stand-in to person.
 *
 * Phone numbers are from Ofcom's ranges reserved for drama (07700 900xxx, 01632 960xxx) and
 * email addresses use the reserved example.org domain, so nothing can reach a real person.
 */
import { createHmac } from 'node:crypto';
import { ulnCheckDigit } from '../server/domain/uk-data.js';

const FIRST = [
  'Amelia',
  'Oliver',
  'Isla',
  'George',
  'Ava',
  'Noah',
  'Freya',
  'Arthur',
  'Ivy',
  'Leo',
  'Florence',
  'Oscar',
  'Willow',
  'Harry',
  'Rosie',
  'Jack',
  'Evie',
  'Charlie',
  'Sophia',
  'Theo',
  'Poppy',
  'Alfie',
  'Grace',
  'Mohammed',
  'Aisha',
  'Ravi',
  'Priya',
  'Kwame',
  'Zara',
  'Tomasz',
  'Niamh',
  'Rhys',
  'Eilidh',
  'Callum',
  'Chloe',
  'Yusuf',
];
const LAST = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Jackson',
  'Clarke',
  'Khan',
  'Ahmed',
  'Hughes',
  'Edwards',
  'Lewis',
  'Murphy',
  'Kaur',
  'Singh',
  'Okafor',
  'Nowak',
  'MacLeod',
  'Price',
  'Bennett',
  'Shaw',
  'Lloyd',
];
const STREETS = [
  'High Street',
  'Station Road',
  'Church Lane',
  'Victoria Road',
  'Mill Lane',
  'Park Avenue',
  'Queen Street',
  'Albert Road',
  'Manor Way',
  'The Crescent',
  'Kings Road',
  'Green Lane',
  'Orchard Close',
  'Bridge Street',
  'Windsor Drive',
];
const TOWNS: [string, string][] = [
  ['Leeds', 'LS6'],
  ['Hull', 'HU5'],
  ['Derby', 'DE22'],
  ['Norwich', 'NR2'],
  ['Swindon', 'SN1'],
  ['Preston', 'PR1'],
  ['Exeter', 'EX4'],
  ['Wigan', 'WN1'],
  ['Luton', 'LU2'],
  ['Carlisle', 'CA1'],
  ['Newport', 'NP20'],
  ['Stirling', 'FK8'],
];
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';
const NINO_FIRST = 'ABCEGHJKLMNOPRSTWXYZ';
const NINO_SECOND = 'ABCEGHJKLMNPRSTWXYZ';
const NINO_NEVER = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** A deterministic stream of numbers from (key, identity). */
class Draw {
  private bytes: Buffer;
  private at = 0;
  private round = 0;
  constructor(
    private readonly key: string,
    private readonly identity: string,
  ) {
    this.bytes = this.block();
  }
  private block(): Buffer {
    return createHmac('sha256', this.key)
      .update(`${this.identity}#${this.round++}`)
      .digest();
  }
  /** A whole number from 0 to n - 1. */
  int(n: number): number {
    if (this.at + 4 > this.bytes.length) {
      this.bytes = this.block();
      this.at = 0;
    }
    const v = this.bytes.readUInt32BE(this.at);
    this.at += 4;
    return v % n;
  }
  of<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  digits(n: number): string {
    return Array.from({ length: n }, () => String(this.int(10))).join('');
  }
}

/** A ULN that passes the mod-11 check. */
function fakeUln(draw: Draw): string {
  for (;;) {
    const nine = String(1 + draw.int(9)) + draw.digits(8);
    const check = ulnCheckDigit(nine);
    if (check !== null) return nine + check; // else no check digit makes these valid: draw again
  }
}

/** A NINO in HMRC's format with an issued prefix and suffix A-D. */
function fakeNino(draw: Draw): string {
  for (;;) {
    const prefix = draw.of([...NINO_FIRST]) + draw.of([...NINO_SECOND]);
    if (NINO_NEVER.has(prefix)) continue;
    return `${prefix}${draw.digits(6)}${draw.of(['A', 'B', 'C', 'D'])}`;
  }
}

export interface Fakes {
  FirstName: string;
  LastName: string;
  Email: string;
  MobileNumber: string;
  Telephone: string;
  HomeAddress: string;
  WorkAddress: string;
  ULN: string;
  NINO: string;
  Contact: string;
  Fax: string;
  MISID: string;
  /** The same year, another day: ages stay about right for funding rules. */
  dob(original: string): string;
}

export function fakesFor(key: string, identity: string): Fakes {
  const draw = new Draw(key, identity);
  const first = draw.of(FIRST);
  const last = draw.of(LAST);
  const address = () => {
    const [town, outward] = draw.of(TOWNS);
    return `${1 + draw.int(180)} ${draw.of(STREETS)}, ${town} ${outward} ${1 + draw.int(9)}${draw.of([...INWARD_LETTERS])}${draw.of([...INWARD_LETTERS])}`;
  };
  const fakes: Fakes = {
    FirstName: first,
    LastName: last,
    Email: `${first}.${last}.${draw.digits(3)}@example.org`.toLowerCase(),
    MobileNumber: `07700 900${draw.digits(3)}`,
    Telephone: `01632 960${draw.digits(3)}`,
    Fax: `01632 960${draw.digits(3)}`,
    HomeAddress: address(),
    WorkAddress: address(),
    ULN: fakeUln(draw),
    NINO: fakeNino(draw),
    Contact: `${draw.of(FIRST)} ${draw.of(LAST)}`,
    MISID: `ANON-${createHmac('sha256', key).update(`misid:${identity}`).digest('hex').slice(0, 12).toUpperCase()}`,
    dob: (original) => {
      const year = Number(original.slice(0, 4));
      if (!Number.isInteger(year)) return original;
      const day = new Date(Date.UTC(year, 0, 1) + draw.int(365) * 86_400_000);
      return day.toISOString().slice(0, 10);
    },
  };
  return fakes;
}
