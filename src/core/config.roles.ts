/** The roles of Custos's callers; config names them (OIDC role maps), identity gives them meaning. */
export const roleNames = ['admin', 'analyst', 'approver', 'engineer', 'auditor', 'service'] as const;
