package background

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAnIdentityIsNeverReadOrWrittenThroughASymlink(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(serversDir(home), 0o700)
	planted := filepath.Join(t.TempDir(), "planted.json")
	const plantedText = `{"port": 1, "token": "planted-token-0123456789"}`
	os.WriteFile(planted, []byte(plantedText), 0o644)
	link := filepath.Join(serversDir(home), "x.identity")
	if err := os.Symlink(planted, link); err != nil {
		t.Skipf("cannot make a symlink here: %v", err)
	}
	if id := readIdentity(home, "x"); id.Token != "" || id.Port != 0 {
		t.Errorf("the identity was read through a symlink: %+v", id)
	}
	// A link inside the servers folder is refused too.
	inside := filepath.Join(serversDir(home), "y.json")
	os.WriteFile(inside, []byte(plantedText), 0o600)
	os.Symlink("y.json", filepath.Join(serversDir(home), "y.identity"))
	if id := readIdentity(home, "y"); id.Token != "" {
		t.Errorf("the identity was read through a symlink in its own folder: %+v", id)
	}

	if err := writeIdentity(home, "x", identity{Port: 8123, Token: "own-token-0123456789"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(planted); string(b) != plantedText {
		t.Errorf("writing the identity wrote through the link: %s", b)
	}
	fi, err := os.Lstat(link)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the identity is not a regular 0600 file: %v %v", fi.Mode(), err)
	}
	if id := readIdentity(home, "x"); id.Token != "own-token-0123456789" || id.Port != 8123 {
		t.Errorf("the identity written is read back as %+v", id)
	}
	if left, _ := filepath.Glob(filepath.Join(serversDir(home), ".*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestLocateRefusesNamesOutsideTheServersFolder(t *testing.T) {
	home := t.TempDir()
	for _, name := range []string{"../x", "", "A", "a/b"} {
		if _, ok := Locate(home, name, "token"); ok {
			t.Errorf("Locate(%q) answered", name)
		}
	}
}
