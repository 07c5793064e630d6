/** The tool's version, recorded in every manifest. Kept equal to package.json's by a test. */
export const TOOL_VERSION = "0.1.0";
export const TOOL_NAME = "initdrift";
