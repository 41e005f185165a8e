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
