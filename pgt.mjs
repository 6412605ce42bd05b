import { PGlite } from '@electric-sql/pglite';
let t=Date.now(); const db = new PGlite(); await db.waitReady; console.log('mem start', Date.now()-t);
const r = await db.query("select 1::int8 as a, now() as b, '{1,2}'::int[] as c, '{\"x\":1}'::jsonb as d, version() as v");
console.log(r.rows, typeof r.rows[0].a);
t=Date.now(); const db2 = new PGlite('/tmp/pgl1'); await db2.waitReady; console.log('dir start', Date.now()-t); await db2.close();
t=Date.now(); const db3 = new PGlite('/tmp/pgl1'); await db3.waitReady; console.log('dir reopen', Date.now()-t);
t=Date.now(); const dump = await db.dumpDataDir('none'); console.log('dump', Date.now()-t, dump.size);
t=Date.now(); const db4 = new PGlite({loadDataDir: dump}); await db4.waitReady; console.log('load', Date.now()-t);
