// Package schema holds the JSON Schema of the manifest format, embedded so
// that `syft-widget schema` prints the same file editors validate against.
package schema

import _ "embed"

// JSON is schema/manifest.schema.json.
//
//go:embed manifest.schema.json
var JSON []byte
