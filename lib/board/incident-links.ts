import "server-only";

// The board's and the finding page's view of lib/board/incident-scope.ts (server code only).
export { incidentFor, listOpenIncidentScopes, type IncidentLink, type OpenIncidentScope } from "./incident-scope";
