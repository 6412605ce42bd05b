import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ilrWarnings, ninoProblem, normaliseNino, normaliseUln, ulnCheckDigit, ulnProblem } from '../../src/server/domain/uk-data.js';

describe('ULN', () => {
  test('normalising removes all whitespace', () => {
    assert.equal(normaliseUln(' 92763 08686\t'), '9276308686');
    assert.equal(normaliseUln(''), '');
    assert.equal(normaliseUln('   '), '');
  });

  for (const uln of ['9276308686', '1000000000', '1000079197', '1000158380', '1000237574', '1000316768']) {
    test(`a ULN that passes the check digit is accepted (${uln})`, () => {
      assert.equal(ulnProblem(uln), null);
    });
  }

  test('the 9999999999 "not yet known" placeholder is accepted', () => {
    assert.equal(ulnProblem('9999999999'), null);
  });

  test('a ULN with spaces is checked after removing them', () => {
    assert.equal(ulnProblem('927 630 8686'), null);
  });

  for (const uln of ['1234567890', '1111111111']) {
    test(`a ULN that fails the check digit is refused (${uln})`, () => {
      assert.equal(ulnProblem(uln), 'fails the ULN check digit');
    });
  }

  test('a ULN with a leading zero is refused', () => {
    assert.equal(ulnProblem('0000000042'), 'must not start with 0');
  });

  test('a ULN of nine digits is refused', () => {
    assert.equal(ulnProblem('927630868'), 'must be 10 digits');
  });

  test('a ULN containing a non-digit is refused', () => {
    assert.equal(ulnProblem('92763086X6'), 'must be 10 digits');
  });

  test('an empty or whitespace-only ULN is refused', () => {
    assert.equal(ulnProblem(''), 'must be 10 digits');
    assert.equal(ulnProblem('   '), 'must be 10 digits');
  });
});

describe('NINO', () => {
  const SHAPE = 'must be two letters, six digits and a suffix A-D';
  const PREFIX = 'has a prefix that is never issued';

  test('normalising removes whitespace and upper-cases', () => {
    assert.equal(normaliseNino(' ab 12 34 56 c '), 'AB123456C');
  });

  test('a well-formed NINO is accepted', () => {
    assert.equal(ninoProblem('AB123456C'), null);
  });

  test('a lower-case NINO with spaces is accepted after normalising', () => {
    assert.equal(ninoProblem('ab 12 34 56 c'), null);
  });

  for (const suffix of ['A', 'B', 'C', 'D']) {
    test(`a NINO with suffix ${suffix} is accepted`, () => {
      assert.equal(ninoProblem(`AB123456${suffix}`), null);
    });
  }

  test('a NINO whose ninth character is a space (suffix unknown) is accepted', () => {
    assert.equal(ninoProblem('AB123456 '), null);
    assert.equal(ninoProblem('AB123456'), null);
    assert.equal(ninoProblem('ab 12 34 56'), null);
  });

  test('a NINO with a Q prefix (HMRC printed example QQ123456A) is refused', () => {
    assert.equal(ninoProblem('QQ123456A'), PREFIX);
  });

  test('a NINO with the banned GB prefix is refused', () => {
    assert.equal(ninoProblem('GB123456A'), PREFIX);
  });

  for (const prefix of ['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']) {
    test(`a NINO with the never-issued prefix ${prefix} is refused`, () => {
      assert.equal(ninoProblem(`${prefix}123456A`), PREFIX);
    });
  }

  for (const letter of ['D', 'F', 'I', 'Q', 'U', 'V']) {
    test(`a NINO whose first letter is ${letter} is refused`, () => {
      assert.equal(ninoProblem(`${letter}A123456A`), PREFIX);
    });
  }

  for (const letter of ['D', 'F', 'I', 'O', 'Q', 'U', 'V']) {
    test(`a NINO whose second letter is ${letter} is refused`, () => {
      assert.equal(ninoProblem(`A${letter}123456A`), PREFIX);
    });
  }

  test('a NINO with O as the second letter is refused', () => {
    assert.equal(ninoProblem('AO123456A'), PREFIX);
  });

  test('a NINO with a suffix outside A-D is refused', () => {
    assert.equal(ninoProblem('AB123456E'), SHAPE);
  });

  test('a NINO with only five digits is refused', () => {
    assert.equal(ninoProblem('AB12345C'), SHAPE);
  });

  test('an empty NINO is refused', () => {
    assert.equal(ninoProblem(''), SHAPE);
  });

  test('a NINO with seven digits is refused', () => {
    assert.equal(ninoProblem('AB1234567'), SHAPE);
  });
});

describe('ilrWarnings', () => {
  test('no values give no warnings', () => {
    assert.deepEqual(ilrWarnings({}), []);
  });

  test('undefined, null and empty values are skipped', () => {
    assert.deepEqual(ilrWarnings({ L12: undefined, L13: null, L14: '', L15: '  ', SecondaryLLDDCodes: [] }), []);
  });

  test('every current L12 ethnicity code is known', () => {
    const codes = [...Array.from({ length: 17 }, (_, i) => String(31 + i)), '98', '99'];
    for (const L12 of codes) assert.deepEqual(ilrWarnings({ L12 }), [], L12);
  });

  test('an unknown L12 ethnicity code is warned about', () => {
    assert.deepEqual(ilrWarnings({ L12: '77' }), ['L12 value "77" is not a known ILR ethnicity code']);
    assert.equal(ilrWarnings({ L12: '30' }).length, 1);
    assert.equal(ilrWarnings({ L12: '48' }).length, 1);
  });

  test('L13 accepts F, M, 1 and 2 in either case', () => {
    for (const L13 of ['F', 'M', 'f', 'm', '1', '2']) assert.deepEqual(ilrWarnings({ L13 }), [], L13);
  });

  test('an unknown L13 sex code is warned about', () => {
    assert.deepEqual(ilrWarnings({ L13: 'X' }), ['L13 value "X" is not a known ILR sex code']);
    assert.equal(ilrWarnings({ L13: '3' }).length, 1);
  });

  test('L14 accepts 1, 2 and 9', () => {
    for (const L14 of ['1', '2', '9']) assert.deepEqual(ilrWarnings({ L14 }), [], L14);
  });

  test('an unknown L14 code is warned about', () => {
    assert.deepEqual(ilrWarnings({ L14: '3' }), ['L14 value "3" is not a known ILR LLDD and health problem code']);
  });

  const LLDD = ['4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '93', '94', '95', '96', '97', '98', '99'];

  test('every LLDDCat code is known for L15', () => {
    for (const L15 of LLDD) assert.deepEqual(ilrWarnings({ L15 }), [], L15);
  });

  test('an unknown or withdrawn L15 code is warned about', () => {
    assert.deepEqual(ilrWarnings({ L15: '3' }), ['L15 value "3" is not a known ILR disability category code']);
    assert.equal(ilrWarnings({ L15: '18' }).length, 1);
    assert.equal(ilrWarnings({ L15: 'abc' }).length, 1);
  });

  test('L15 treats a leading zero and surrounding spaces as the same code', () => {
    assert.deepEqual(ilrWarnings({ L15: '04' }), []);
    assert.deepEqual(ilrWarnings({ L15: ' 4 ' }), []);
  });

  test('L16 accepts every LLDDCat code and the old L16 codes', () => {
    const old = ['01', '02', '10', '11', '19', '20', '90', '97', '98', '99'];
    for (const L16 of [...LLDD, ...old]) assert.deepEqual(ilrWarnings({ L16 }), [], L16);
  });

  test('an unknown L16 code is warned about', () => {
    assert.deepEqual(ilrWarnings({ L16: '03' }), ['L16 value "03" is not a known ILR learning difficulty category code']);
    assert.equal(ilrWarnings({ L16: '21' }).length, 1);
  });

  test('every LLDDCat code is known for PrimaryLLDDCode, with or without a leading zero', () => {
    for (const PrimaryLLDDCode of [...LLDD, '04', '09']) {
      assert.deepEqual(ilrWarnings({ PrimaryLLDDCode }), [], PrimaryLLDDCode);
    }
  });

  test('an unknown PrimaryLLDDCode is warned about', () => {
    assert.deepEqual(ilrWarnings({ PrimaryLLDDCode: '2' }), ['PrimaryLLDDCode value "2" is not a known ILR LLDD category code']);
  });

  test('known SecondaryLLDDCodes give no warnings', () => {
    assert.deepEqual(ilrWarnings({ SecondaryLLDDCodes: LLDD }), []);
    assert.deepEqual(ilrWarnings({ SecondaryLLDDCodes: ['04', '12'] }), []);
  });

  test('each unknown SecondaryLLDDCode gets its own warning, blanks skipped', () => {
    assert.deepEqual(ilrWarnings({ SecondaryLLDDCodes: ['4', '1', '', '50'] }), [
      'SecondaryLLDDCodes value "1" is not a known ILR LLDD category code',
      'SecondaryLLDDCodes value "50" is not a known ILR LLDD category code',
    ]);
  });

  test('warnings for several fields are all reported, known fields silently pass', () => {
    assert.deepEqual(ilrWarnings({ L12: '31', L13: 'Z', L14: '1', L15: '3', L16: '10', PrimaryLLDDCode: '4', SecondaryLLDDCodes: ['0'] }), [
      'L13 value "Z" is not a known ILR sex code',
      'L15 value "3" is not a known ILR disability category code',
      'SecondaryLLDDCodes value "0" is not a known ILR LLDD category code',
    ]);
  });
});

test('ulnCheckDigit gives the one tenth digit that passes the check, or none when no digit can', () => {
  for (let n = 100_000_000; n < 100_000_000 + 2_000; n++) {
    const nine = String(n);
    const check = ulnCheckDigit(nine);
    const passing = [...'0123456789'].filter((d) => ulnProblem(nine + d) === null);
    assert.deepEqual(passing, check === null ? [] : [check], nine);
  }
});
