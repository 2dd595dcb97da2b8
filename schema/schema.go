// Package schema holds the JSON Schema of the manifest format, embedded so
// that `syft-widget schema` prints the same file editors validate against.
package schema

// The manifest reference, docs/manifest.md, is generated from this schema.
//go:generate go run ./gen

import _ "embed"

// JSON is schema/manifest.schema.json.
//
//go:embed manifest.schema.json
var JSON []byte
