import type { Queryable } from '../../db/client.js';

export async function findCustomerRow(db: Queryable, customerId: number): Promise<boolean> {
  return (await db.query('SELECT 1 FROM customers WHERE id = $1', [customerId])).length > 0;
}
