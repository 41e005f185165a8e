// The Go oracle: reads requests as JSON lines on stdin and answers each with
// what the Go code Alloy and the Pulumi CLI run makes of the input, using the
// real libraries (gopkg.in/yaml.v3, encoding/json, time, net/url, regexp,
// github.com/alecthomas/units). test/go-oracle.test.ts compares the
// TypeScript rules in config/ with these answers.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/units"
	yaml "gopkg.in/yaml.v3"
)

type request struct {
	Kind  string `json:"kind"`
	Input string `json:"input"`
}

type answer struct {
	Value any    `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
}

// delivered is what the Pulumi CLI hands the program for `key: <input>` in a
// stack file: LoadProjectStackBytes decodes the file into any, marshals and
// decodes it again, then config.Value's MarshalString gives a string as is, a
// null node as "" (yaml.v3 never calls UnmarshalYAML for it), and anything
// else as encoding/json text.
func delivered(input string) answer {
	var raw map[string]any
	if err := yaml.Unmarshal([]byte("v: "+input+"\n"), &raw); err != nil {
		return answer{Error: err.Error()}
	}
	again, err := yaml.Marshal(raw)
	if err != nil {
		return answer{Error: err.Error()}
	}
	var stack map[string]any
	if err := yaml.Unmarshal(again, &stack); err != nil {
		return answer{Error: err.Error()}
	}
	switch v := stringTimes(stack["v"]).(type) {
	case nil:
		return answer{Value: ""}
	case string:
		return answer{Value: v}
	default:
		text, err := json.Marshal(v)
		if err != nil {
			return answer{Error: err.Error()}
		}
		return answer{Value: string(text)}
	}
}

// stringTimes does what config/object.go unmarshalObject does anywhere in a
// value: a time.Time becomes v.String(), and a map key that is not a string
// becomes fmt's %v of it.
func stringTimes(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.String()
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprintf("%v", k)] = stringTimes(e)
		}
		return m
	case map[string]any:
		for k, e := range v {
			v[k] = stringTimes(e)
		}
	case []any:
		for i, e := range v {
			v[i] = stringTimes(e)
		}
	}
	return v
}

// offline replaces each {secure: <ciphertext>} (config/object.go isSecureValue)
// with "[secret]", reporting whether there was one: the ciphertext cannot be
// decrypted here.
func offline(v any) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		if c, ok := v["secure"].(string); ok && len(v) == 1 && c != "" {
			return "[secret]", true
		}
		secret := false
		for k, e := range v {
			var s bool
			v[k], s = offline(e)
			secret = secret || s
		}
		return v, secret
	case []any:
		secret := false
		for i, e := range v {
			var s bool
			v[i], s = offline(e)
			secret = secret || s
		}
		return v, secret
	}
	return v, false
}

// stackFile is what the CLI delivers for a whole Pulumi.<stack>.yaml
// (workspace.LoadProjectStackBytes: decode, namespace the keys, encode,
// decode again; then each config.Value's text), secure values offline.
func stackFile(text string) answer {
	var root any
	if err := yaml.Unmarshal([]byte(text), &root); err != nil {
		return answer{Error: err.Error()}
	}
	config := map[string]string{}
	secretKeys := []string{}
	if root == nil {
		return answer{Value: map[string]any{"config": config, "secretKeys": secretKeys}}
	}
	doc, ok := root.(map[string]any)
	if !ok {
		return answer{Error: "the stack file is not a map"}
	}
	raw, ok := doc["config"].(map[string]any)
	if !ok {
		if doc["config"] == nil {
			return answer{Value: map[string]any{"config": config, "secretKeys": secretKeys}}
		}
		return answer{Error: "config is not a map"}
	}
	namespaced := map[string]any{}
	for k, v := range raw {
		if !strings.Contains(k, ":") {
			k = "alloy-logs:" + k
		}
		namespaced[k] = v
	}
	encoded, err := yaml.Marshal(namespaced)
	if err != nil {
		return answer{Error: err.Error()}
	}
	var again map[string]any
	if err := yaml.Unmarshal(encoded, &again); err != nil {
		return answer{Error: err.Error()}
	}
	for k, v := range again {
		value, secret := offline(stringTimes(v))
		if secret {
			secretKeys = append(secretKeys, k)
		}
		switch value := value.(type) {
		case nil:
			config[k] = ""
		case string:
			config[k] = value
		default:
			text, err := json.Marshal(value)
			if err != nil {
				return answer{Error: err.Error()}
			}
			config[k] = string(text)
		}
	}
	sort.Strings(secretKeys)
	return answer{Value: map[string]any{"config": config, "secretKeys": secretKeys}}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			panic(err)
		}
		var a answer
		switch req.Kind {
		case "yaml":
			a = delivered(req.Input)
		case "stackfile":
			a = stackFile(req.Input)
		case "duration":
			d, err := time.ParseDuration(req.Input)
			if err != nil {
				a.Error = err.Error()
			} else {
				a.Value = int64(d)
			}
		case "bytes":
			b, err := units.ParseBase2Bytes(req.Input)
			if err != nil {
				a.Error = err.Error()
			} else {
				a.Value = int64(b)
			}
		case "regexp":
			if _, err := regexp.Compile(req.Input); err != nil {
				a.Error = err.Error()
			} else {
				a.Value = "ok"
			}
		case "url":
			u, err := url.Parse(req.Input)
			if err != nil {
				a.Error = err.Error()
			} else {
				a.Value = map[string]any{"scheme": u.Scheme, "host": u.Hostname(), "port": u.Port(), "path": u.Path, "opaque": u.Opaque, "user": u.User != nil, "query": u.RawQuery != "" || u.Fragment != ""}
			}
		default:
			a.Error = fmt.Sprintf("unknown kind %q", req.Kind)
		}
		if err := out.Encode(a); err != nil {
			panic(err)
		}
	}
}
