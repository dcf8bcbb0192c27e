import type { paths } from '../../api/schema.js';

// Shapes of the access API as the generated client types them: no hand-written response types.

type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { 'application/json': infer B } } }
    ? B
    : R extends { 201: { content: { 'application/json': infer B } } }
      ? B
      : never
  : never;

export type AccessRequest = Json<'/v1/access/requests', 'get'>['requests'][number];
export type Grant = Json<'/v1/access/grants', 'get'>['grants'][number];
export type RequestPreview = Json<'/v1/access/requests/preview', 'post'>;
export type CreateRequestBody = NonNullable<
  paths['/v1/access/requests']['post']['requestBody']
>['content']['application/json'];
export type Purpose = CreateRequestBody['purpose'];
export type RequestStatus = AccessRequest['status'];
export type AppliedPolicy = AccessRequest['decision']['policies'][number];
export type BreakGlassUse = Json<'/v1/access/break-glass', 'get'>['uses'][number];
export type Campaign = Json<'/v1/access/reviews', 'get'>['campaigns'][number];
export type ReviewItem = Json<'/v1/access/review-items', 'get'>['items'][number];
export type Ticket = Json<'/v1/access/tickets', 'get'>['tickets'][number];
export type Employee = Json<'/v1/access/employees', 'get'>['employees'][number];
export type ProtectedSubject = Json<'/v1/access/protected-subjects', 'get'>['subjects'][number];

export const purposes: { value: Purpose; label: string }[] = [
  { value: 'support', label: 'Support' },
  { value: 'abuse_investigation', label: 'Abuse investigation' },
  { value: 'legal_request', label: 'Legal request' },
  { value: 'security_incident', label: 'Security incident' },
  { value: 'debugging', label: 'Debugging' },
];

export const purposeLabel = (purpose: string) => purposes.find((p) => p.value === purpose)?.label ?? purpose;

export const requestStatuses: RequestStatus[] = ['pending', 'approved', 'rejected', 'cancelled', 'expired'];
