// Package yamlpos locates syntax errors in YAML documents.
//
// go.yaml.in/yaml/v3, which the project decodes YAML with, reports a
// syntax error with a line (often the line where the enclosing construct
// began) and no column. Locate parses the document again with the parser
// of github.com/goccy/go-yaml, which reports the token where it failed,
// so that a loader can say where the document is broken, line and column.
// It is meant for the error path only: it is called once a document has
// already failed to parse.
package yamlpos
