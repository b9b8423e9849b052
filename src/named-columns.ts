// Arrow tables from (name, column) pairs. Column names that come from files (strategies, params
// columns) are data: built into an object they could be dropped (`__proto__`) or replace another
// column (a strategy called `date`), so tables are built from ordered pairs instead.
import * as arrow from 'apache-arrow';

export type NamedColumns = Array<readonly [string, arrow.Vector]>;

/** A one-batch table with these columns in this order (names must be distinct, lengths equal). */
export function tableFromColumns(columns: NamedColumns): arrow.Table {
  const seen = new Set<string>();
  for (const [name] of columns) {
    if (seen.has(name)) throw new Error(`tableFromColumns: column "${name}" given twice`);
    seen.add(name);
  }
  const length = columns[0]?.[1].length ?? 0;
  const fields: arrow.Field[] = [];
  const children: arrow.Data[] = [];
  for (const [name, vector] of columns) {
    if (vector.length !== length) throw new Error(`tableFromColumns: column "${name}" has ${vector.length} rows, not ${length}`);
    const data = vector.data.length === 1 ? vector.data[0] : arrow.vectorFromArray([...vector], vector.type).data[0];
    fields.push(new arrow.Field(name, vector.type, true));
    children.push(data);
  }
  const schema = new arrow.Schema(fields);
  const batch = new arrow.RecordBatch(schema,
    arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children }));
  return new arrow.Table(schema, [batch]);
}
