package sources

import (
	"os"
	"path/filepath"
)

// ConfineTo makes every later pass of c open its root through the folder
// dir, as the path rel below it: a root that is, or later becomes, a
// symlink leading out of dir is then refused like a missing one (its
// sources empty), at every pass and not only when the manifest loads.
// Below the root, reads go through the root already (os.Root), so a
// subfolder or file swapped for a symlink that leads out is refused too.
// Call it before the first Scan.
func (c *Cache) ConfineTo(dir, rel string) {
	c.jail, c.jailRel = dir, filepath.Clean(rel)
}

// openRoot opens the root for one pass.
func (c *Cache) openRoot() (*os.Root, error) {
	if c.jail == "" {
		return os.OpenRoot(c.root)
	}
	jail, err := os.OpenRoot(c.jail)
	if err != nil {
		return nil, err
	}
	defer jail.Close()
	if c.jailRel == "." {
		return jail.OpenRoot(".")
	}
	return jail.OpenRoot(c.jailRel)
}
