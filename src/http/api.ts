/** Route prefix of Folio's own REST API, version 1. */
export const API_V1 = 'api/v1';
