package app_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"tongxin/internal/config"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// The Kubernetes manifests of deploy/k8s, checked offline: every document
// parses and is a kind we mean, the kustomization lists every file, and the
// pieces agree with each other and with the application (configuration
// variables, probe routes, the image's user, ports, the database secret).

const k8sDir = "../../deploy/k8s"

// k8sObject is the part of a manifest the checks read.
type k8sObject struct {
	APIVersion string         `yaml:"apiVersion"`
	Kind       string         `yaml:"kind"`
	Metadata   k8sMeta        `yaml:"metadata"`
	Spec       map[string]any `yaml:"spec"`
	Data       map[string]any `yaml:"data"`
	Resources  []string       `yaml:"resources"`
	Components []string       `yaml:"components"`
	file       string
	raw        map[string]any
}

type k8sMeta struct {
	Name   string            `yaml:"name"`
	Labels map[string]string `yaml:"labels"`
}

var k8sKinds = map[string]string{
	"Namespace": "v1", "ConfigMap": "v1", "Secret": "v1", "Service": "v1", "PersistentVolumeClaim": "v1",
	"Deployment": "apps/v1", "Job": "batch/v1", "Ingress": "networking.k8s.io/v1",
	"HorizontalPodAutoscaler": "autoscaling/v2", "PodDisruptionBudget": "policy/v1",
	"Cluster": "postgresql.cnpg.io/v1", "ScheduledBackup": "postgresql.cnpg.io/v1",
	"Kustomization": "kustomize.config.k8s.io/v1beta1", "Component": "kustomize.config.k8s.io/v1alpha1",
}

func readK8s(t *testing.T, dir string) []k8sObject {
	t.Helper()
	var out []k8sObject
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, parseK8s(t, p, b)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func parseK8s(t *testing.T, name string, b []byte) []k8sObject {
	t.Helper()
	var out []k8sObject
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var raw map[string]any
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if raw == nil {
			continue
		}
		doc, _ := yaml.Marshal(raw)
		var o k8sObject
		if err := yaml.Unmarshal(doc, &o); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		o.file, o.raw = name, raw
		out = append(out, o)
	}
	return out
}

// at walks a path of map keys and list indexes ("spec.template.spec.containers.0").
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func list(v any) []any { l, _ := v.([]any); return l }

func byKind(objs []k8sObject, kind string) []k8sObject {
	var out []k8sObject
	for _, o := range objs {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func one(t *testing.T, objs []k8sObject, kind string) k8sObject {
	t.Helper()
	l := byKind(objs, kind)
	if len(l) != 1 {
		t.Fatalf("%d %s manifests, want 1", len(l), kind)
	}
	return l[0]
}

// knownEnv is every variable internal/config reads (with the _FILE forms).
func knownEnv() map[string]bool {
	m := map[string]bool{}
	for _, k := range config.Keys() {
		m[config.EnvName(k)] = true
		m[config.EnvName(k)+"_FILE"] = true
	}
	return m
}

// podChecks are the checks every pod template (Deployment, Job) passes.
func podChecks(t *testing.T, o k8sObject, imageUser string, clusterSecret string, cm map[string]any) (container map[string]any) {
	t.Helper()
	pod := at(o.raw, "spec.template.spec")
	cs := list(at(pod, "containers"))
	if len(cs) != 1 {
		t.Fatalf("%s %s: %d containers, want 1", o.Kind, o.Metadata.Name, len(cs))
	}
	c := cs[0].(map[string]any)
	if str(at(pod, "securityContext.runAsNonRoot")) != "true" || str(at(pod, "securityContext.runAsUser")) != imageUser {
		t.Errorf("%s: pod must run as non-root user %s (the image's USER), has %v", o.Metadata.Name, imageUser, at(pod, "securityContext"))
	}
	if str(at(c, "securityContext.readOnlyRootFilesystem")) != "true" || str(at(c, "securityContext.allowPrivilegeEscalation")) != "false" {
		t.Errorf("%s: container needs readOnlyRootFilesystem and no privilege escalation: %v", o.Metadata.Name, at(c, "securityContext"))
	}
	if at(c, "resources.requests.cpu") == nil || at(c, "resources.requests.memory") == nil || at(c, "resources.limits.memory") == nil {
		t.Errorf("%s: requests (cpu, memory) and a memory limit are needed: %v", o.Metadata.Name, at(c, "resources"))
	}
	if str(at(c, "image")) != "tongxin" {
		t.Errorf("%s: image %q, want the name kustomize sets (tongxin)", o.Metadata.Name, at(c, "image"))
	}
	// Environment: names internal/config knows; the database from the cluster's secret.
	known := knownEnv()
	env := map[string]string{}
	for _, e := range list(at(c, "env")) {
		name := str(at(e, "name"))
		if !known[name] {
			t.Errorf("%s sets %s, which internal/config does not read", o.Metadata.Name, name)
		}
		env[name] = str(at(e, "value"))
	}
	for _, ef := range list(at(c, "envFrom")) {
		if ref := str(at(ef, "configMapRef.name")); ref != "" {
			for k, v := range cm {
				env[k] = str(v)
			}
		}
	}
	volumes := map[string]any{}
	for _, v := range list(at(pod, "volumes")) {
		volumes[str(at(v, "name"))] = v
	}
	mounts := map[string]string{}
	for _, m := range list(at(c, "volumeMounts")) {
		name, path := str(at(m, "name")), str(at(m, "mountPath"))
		if volumes[name] == nil {
			t.Errorf("%s mounts volume %s, which the pod does not declare", o.Metadata.Name, name)
		}
		mounts[path] = name
	}
	dbFile := env["TONGXIN_DATABASE_URL_FILE"]
	if dbFile == "" {
		t.Fatalf("%s: no TONGXIN_DATABASE_URL_FILE", o.Metadata.Name)
	}
	vol := volumes[mounts[filepath.Dir(dbFile)]]
	if str(at(vol, "secret.secretName")) != clusterSecret || str(at(vol, "secret.items.0.key")) != "uri" ||
		str(at(vol, "secret.items.0.path")) != filepath.Base(dbFile) {
		t.Errorf("%s: TONGXIN_DATABASE_URL_FILE=%s must be key uri of secret %s, mounted: %v", o.Metadata.Name, dbFile, clusterSecret, vol)
	}
	return c
}

func TestKubernetesManifests(t *testing.T) {
	objs := readK8s(t, k8sDir)
	files := map[string]bool{}
	for _, o := range objs {
		if want, ok := k8sKinds[o.Kind]; !ok || o.APIVersion != want {
			t.Errorf("%s: %s %s is not a kind and version these manifests use", o.file, o.APIVersion, o.Kind)
		}
		if o.Kind != "Kustomization" && o.Kind != "Component" && o.Metadata.Name == "" {
			t.Errorf("%s: %s without a name", o.file, o.Kind)
		}
		files[o.file] = true
	}
	// The kustomizations list every manifest of their directory, and only those.
	for _, k := range append(byKind(objs, "Kustomization"), byKind(objs, "Component")...) {
		dir := filepath.Dir(k.file)
		listed := map[string]bool{}
		for _, r := range k.Resources {
			p := filepath.Join(dir, r)
			if !files[p] {
				t.Errorf("%s lists %s, which is not a manifest here", k.file, r)
			}
			listed[p] = true
		}
		for _, pt := range list(k.raw["patches"]) {
			listed[filepath.Join(dir, str(at(pt, "path")))] = true
		}
		for f := range files {
			if filepath.Dir(f) == dir && f != k.file && !listed[f] {
				t.Errorf("%s is not listed in %s", f, k.file)
			}
		}
		for _, c := range k.Components {
			if _, err := os.Stat(filepath.Join(dir, c, "kustomization.yaml")); err != nil {
				t.Errorf("%s names component %s: %v", k.file, c, err)
			}
		}
	}

	// Patches (the backup component's) are not objects of their own.
	patches := map[string]bool{}
	for _, k := range append(byKind(objs, "Kustomization"), byKind(objs, "Component")...) {
		for _, pt := range list(k.raw["patches"]) {
			patches[filepath.Join(filepath.Dir(k.file), str(at(pt, "path")))] = true
		}
	}
	objs = slices.DeleteFunc(objs, func(o k8sObject) bool { return patches[o.file] })

	// The image's user, from the Dockerfile.
	df, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^USER (\d+)(:\d+)?$`).FindStringSubmatch(string(df))
	if m == nil || m[1] == "0" {
		t.Fatalf("the Dockerfile sets no non-root USER")
	}
	imageUser := m[1]

	cluster := one(t, objs, "Cluster")
	if n := str(at(cluster.raw, "spec.instances")); n != "3" {
		t.Errorf("the CloudNativePG cluster has %s instances, want 3", n)
	}
	for k, want := range map[string]string{"encoding": "UTF8", "localeCType": "C.UTF-8", "localeCollate": "C.UTF-8"} {
		if got := str(at(cluster.raw, "spec.bootstrap.initdb."+k)); got != want {
			t.Errorf("initdb %s = %q, want %q (pg_trgm needs a UTF-8 ctype for Chinese)", k, got, want)
		}
	}
	clusterSecret := cluster.Metadata.Name + "-app" // CloudNativePG's application secret

	cm := one(t, objs, "ConfigMap")
	known := knownEnv()
	for k := range cm.Data {
		if !known[k] {
			t.Errorf("configmap sets %s, which internal/config does not read", k)
		}
	}
	if str(cm.Data["TONGXIN_DATABASE_MIGRATE_ON_START"]) != "false" {
		t.Error("instances must leave migrations to the Job (TONGXIN_DATABASE_MIGRATE_ON_START=false)")
	}
	cfg, err := config.Load("", func(k string) (string, bool) { v, ok := cm.Data[k]; return str(v), ok })
	if err != nil {
		t.Fatalf("the configmap's values do not load: %v", err)
	}
	_, listenPort, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}

	dep := one(t, objs, "Deployment")
	if n := str(at(dep.raw, "spec.replicas")); n < "2" || len(n) != 1 {
		t.Errorf("Deployment replicas %s, want 2 or more", n)
	}
	c := podChecks(t, dep, imageUser, clusterSecret, cm.Data)
	podLabels := at(dep.raw, "spec.template.metadata.labels").(map[string]any)
	selector := at(dep.raw, "spec.selector.matchLabels").(map[string]any)
	for k, v := range selector {
		if podLabels[k] != v {
			t.Errorf("the Deployment selector %s=%v does not match its pods", k, v)
		}
	}
	ports := list(at(c, "ports"))
	if len(ports) != 1 || str(at(ports[0], "containerPort")) != listenPort {
		t.Fatalf("container ports %v, want one on %s (TONGXIN_LISTEN)", ports, listenPort)
	}
	portName := str(at(ports[0], "name"))
	portOK := func(p any) bool { s := str(p); return s == portName || s == listenPort }
	probes := map[string]string{}
	for _, p := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
		path := str(at(c, p+".httpGet.path"))
		probes[p] = path
		if !portOK(at(c, p+".httpGet.port")) {
			t.Errorf("%s port %v is not the container's", p, at(c, p+".httpGet.port"))
		}
	}
	if probes["livenessProbe"] != "/healthz" || probes["readinessProbe"] != "/readyz" {
		t.Errorf("probes %v: liveness must ask /healthz, readiness /readyz", probes)
	}
	// The probe paths are routes of the application, answering 200 when ready.
	srv := testenv.NewServer(t, store.SQLite)
	for p, path := range probes {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s %s answers %d", p, path, res.StatusCode)
		}
	}
	// Uploads on the shared volume, where TONGXIN_UPLOAD_DIR points.
	var uploadsClaim string
	for _, mnt := range list(at(c, "volumeMounts")) {
		if str(at(mnt, "mountPath")) == cfg.UploadDir {
			for _, v := range list(at(dep.raw, "spec.template.spec.volumes")) {
				if str(at(v, "name")) == str(at(mnt, "name")) {
					uploadsClaim = str(at(v, "persistentVolumeClaim.claimName"))
				}
			}
		}
	}
	pvcs := map[string]k8sObject{}
	for _, p := range byKind(objs, "PersistentVolumeClaim") {
		pvcs[p.Metadata.Name] = p
	}
	pvc, ok := pvcs[uploadsClaim]
	if !ok {
		t.Fatalf("TONGXIN_UPLOAD_DIR %s is not on a declared PersistentVolumeClaim (claim %q)", cfg.UploadDir, uploadsClaim)
	}
	if modes := fmt.Sprint(at(pvc.raw, "spec.accessModes")); !strings.Contains(modes, "ReadWriteMany") {
		t.Errorf("the uploads volume is %s: every instance writes it, it must be ReadWriteMany", modes)
	}

	job := one(t, objs, "Job")
	jc := podChecks(t, job, imageUser, clusterSecret, nil)
	if args := fmt.Sprint(at(jc, "args")); args != "[migrate up]" {
		t.Errorf("the migration Job runs %s, want [migrate up]", args)
	}

	svc := one(t, objs, "Service")
	for k, v := range at(svc.raw, "spec.selector").(map[string]any) {
		if podLabels[k] != v {
			t.Errorf("the Service selector %s=%v does not match the pods", k, v)
		}
	}
	sp := list(at(svc.raw, "spec.ports"))
	if len(sp) != 1 || !portOK(at(sp[0], "targetPort")) {
		t.Fatalf("Service ports %v do not lead to the container port", sp)
	}
	ing := one(t, objs, "Ingress")
	for _, r := range list(at(ing.raw, "spec.rules")) {
		for _, p := range list(at(r, "http.paths")) {
			b := at(p, "backend.service")
			if str(at(b, "name")) != svc.Metadata.Name || (str(at(b, "port.name")) != str(at(sp[0], "name")) && str(at(b, "port.number")) != str(at(sp[0], "port"))) {
				t.Errorf("the Ingress backend %v is not the Service's port", b)
			}
		}
	}
	hpa := one(t, objs, "HorizontalPodAutoscaler")
	if str(at(hpa.raw, "spec.scaleTargetRef.kind")) != "Deployment" || str(at(hpa.raw, "spec.scaleTargetRef.name")) != dep.Metadata.Name {
		t.Errorf("the HPA scales %v, not the Deployment", at(hpa.raw, "spec.scaleTargetRef"))
	}
	if min := str(at(hpa.raw, "spec.minReplicas")); min < "2" || len(min) != 1 {
		t.Errorf("the HPA may go down to %s replicas, want 2 at least", min)
	}
	pdb := one(t, objs, "PodDisruptionBudget")
	for k, v := range at(pdb.raw, "spec.selector.matchLabels").(map[string]any) {
		if podLabels[k] != v {
			t.Errorf("the PDB selector %s=%v does not match the pods", k, v)
		}
	}
	if sb := byKind(objs, "ScheduledBackup"); len(sb) != 1 || str(at(sb[0].raw, "spec.cluster.name")) != cluster.Metadata.Name {
		t.Errorf("the scheduled backup does not name the cluster %s", cluster.Metadata.Name)
	}

	// kustomize builds the directory (with and without the backup component)
	// when kubectl is here; the result holds every kind once more.
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Log("kubectl not found: the kustomize build is not checked")
		return
	}
	out, err := exec.Command("kubectl", "kustomize", k8sDir).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v", err)
	}
	built := parseK8s(t, "kustomize build", out)
	var kinds []string
	for _, o := range built {
		kinds = append(kinds, o.Kind)
		if o.Kind != "Namespace" && str(at(o.raw, "metadata.namespace")) != "tongxin" {
			t.Errorf("built %s %s has namespace %v", o.Kind, o.Metadata.Name, at(o.raw, "metadata.namespace"))
		}
	}
	sort.Strings(kinds)
	for _, k := range []string{"Cluster", "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Ingress", "Job", "PersistentVolumeClaim", "PodDisruptionBudget", "Service"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("the kustomize build lacks a %s: %v", k, kinds)
		}
	}
	if d := one(t, built, "Deployment"); !strings.Contains(str(at(d.raw, "spec.template.spec.containers.0.image")), "tongxin:") {
		t.Errorf("kustomize did not set the image: %v", at(d.raw, "spec.template.spec.containers.0.image"))
	}
}
