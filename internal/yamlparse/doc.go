// Package yamlparse parses untrusted YAML with github.com/goccy/go-yaml
// within bounds, and locates what it parsed: the directory file loader
// (lineappearance/dirfile) and the gateway configuration share it.
//
// [Parse] refuses a document nested deeper than [MaxDepth] before the
// parser sees it (the parser recurses, and its time and memory grow with
// the square of the depth), turns the parser's errors into an [*Error]
// with the line and column of the token where it failed, and reports a
// parser panic as an error. [Pos] gives the line and column where a node
// starts. The parser does not expand aliases; a decoder that does (the
// goccy decoder) shares an anchor's decoded value rather than copying it.
package yamlparse
