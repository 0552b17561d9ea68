import type { InstallProblem } from "./gql/graphql";
import { problem } from "./words";

/** Why an install needs attention, most urgent first, as small labels; "—" when healthy. */
export function ProblemBadges({ problems }: { problems: InstallProblem[] }) {
  if (problems.length === 0) return <span className="admin-none">None</span>;
  return (
    <ul className="admin-badges" aria-label="Problems">
      {problems.map((p) => {
        const words = problem(p);
        return (
          <li key={p} className={`admin-badge admin-badge--${words.indicator}`}>
            {words.label}
          </li>
        );
      })}
    </ul>
  );
}
