import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'apiKey';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Folio API')
    .setDescription(
      'Folio: a multi-user knowledge-notebook (RAG) backend. Every error has the same body: ' +
        '`{ statusCode, error, message, details?, requestId }`.',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This server')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT or fol_ API key',
        description: 'An access token from login/refresh, or a personal API key (`fol_…`)',
      },
      BEARER_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'A personal API key (`fol_…`)' },
      API_KEY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Every operation needs credentials unless it says otherwise (public ones declare `security: [{}]`).
  document.security = [{ [BEARER_SCHEME]: [] }, { [API_KEY_SCHEME]: [] }];
  return document;
}

/** Swagger UI at /docs, the JSON at /docs-json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Folio API',
  });
}
