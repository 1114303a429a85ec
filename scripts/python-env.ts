// Installs the project-local Python tools (moto server, cfn-lint) into .venv; quick when already installed.
import { ensurePythonEnv } from '../sandbox/python-env';

await ensurePythonEnv();
