// Worker-thread entry of DocumentPreparer: prepares one document at a time.
import { serveTasks } from '../../common/worker-pool';
import { type PrepareEvent, prepareDocument, type PrepareInput, type PreparedDocument } from './prepare-document';

serveTasks<PrepareInput, PreparedDocument, PrepareEvent>(prepareDocument);
