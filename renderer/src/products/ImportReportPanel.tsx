// What the last catalog import loaded, and every row it did not, with line and reason.
import { useStudioStore } from '../store';

const SHOWN_ROWS = 50;

export function ImportReportPanel() {
  const report = useStudioStore((state) => state.importReport);
  const setProducts = useStudioStore((state) => state.setProducts);
  if (!report) return null;
  const { fileName, imported, badRows } = report;
  return (
    <div className={`notice${badRows.length ? ' notice-bad' : ''}`} data-testid="import-report" role="status">
      <p>
        {fileName}: {imported} product{imported === 1 ? '' : 's'} imported
        {badRows.length > 0 && `, ${badRows.length} row${badRows.length === 1 ? '' : 's'} not loaded`}.
        <button type="button" className="link-button" onClick={() => setProducts({ importReport: null })}>
          Dismiss
        </button>
      </p>
      {badRows.length > 0 && (
        <ul className="bad-rows">
          {badRows.slice(0, SHOWN_ROWS).map((row, i) => (
            <li key={`${row.line}-${i}`}>
              Line {row.line}: {row.reason}
            </li>
          ))}
          {badRows.length > SHOWN_ROWS && <li>…and {badRows.length - SHOWN_ROWS} more</li>}
        </ul>
      )}
    </div>
  );
}
