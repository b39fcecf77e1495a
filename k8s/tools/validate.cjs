#!/usr/bin/env node
// Offline checks of rendered manifests (called by tests/k8s/check.sh).
//
//   node validate.cjs <context.json> <overlay>=<rendered.yaml> [<overlay>=<rendered.yaml>...]
//
// context.json (written by check.sh):
//   settings: {program: ["XUNCHA_...", ...]}   env names each binary reads (from its sources)
//   secrets:  {overlay: {name: [keys]}}         what k8s/tools/make-secrets.sh creates
//   configMaps: {overlay: {name: [keys]}}       same, for ConfigMaps made outside kustomize
//   programs: ["directory", ..., "gateway"]     programs the image's entrypoint accepts
//
// Every object: schema of its apiVersion/kind (kubernetes-models, the Kubernetes OpenAPI schema);
// CloudNativePG Cluster: structural check of the fields we use (no schema package exists).
// Then the project's rules; every failure names the overlay and the object.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const [contextFile, ...inputs] = process.argv.slice(2);
const context = JSON.parse(fs.readFileSync(contextFile, 'utf8'));

let passed = 0;
let failed = 0;
function report(name, problems) {
  if (problems.length === 0) {
    passed++;
    if (process.env.VERBOSE) console.log(`ok   ${name}`);
  } else {
    failed++;
    for (const p of problems) console.log(`FAIL ${name}: ${p}`);
  }
}

// ---- schema -----------------------------------------------------------------------------------
function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    const mod = require(path);
    return mod[kind] || null;
  } catch (e) {
    return null;
  }
}

// CloudNativePG Cluster v1: the spec fields of its API reference that we may use.
const CNPG_SPEC_KEYS = new Set([
  'affinity', 'backup', 'bootstrap', 'certificates', 'description', 'enableSuperuserAccess', 'env',
  'envFrom', 'externalClusters', 'failoverDelay', 'imageName', 'imagePullPolicy',
  'imagePullSecrets', 'inheritedMetadata', 'instances', 'logLevel', 'managed', 'maxSyncReplicas',
  'minSyncReplicas', 'monitoring', 'nodeMaintenanceWindow', 'postgresGID', 'postgresUID',
  'postgresql', 'primaryUpdateMethod', 'primaryUpdateStrategy', 'priorityClassName', 'replica',
  'replicationSlots', 'resources', 'schedulerName', 'seccompProfile', 'serviceAccountTemplate',
  'smartShutdownTimeout', 'startDelay', 'stopDelay', 'storage', 'superuserSecret',
  'switchoverDelay', 'tablespaces', 'topologySpreadConstraints', 'walStorage',
]);
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

function checkCnpgCluster(o) {
  const p = [];
  const s = o.spec || {};
  for (const k of Object.keys(s)) if (!CNPG_SPEC_KEYS.has(k)) p.push(`spec.${k}: not a Cluster field`);
  if (!Number.isInteger(s.instances) || s.instances < 1) p.push('spec.instances: required integer >= 1');
  for (const st of ['storage', 'walStorage']) {
    if (s[st] !== undefined && !QUANTITY.test(String((s[st] || {}).size))) p.push(`spec.${st}.size: not a quantity`);
  }
  if (!s.storage) p.push('spec.storage: required (a Cluster without storage gets the operator default)');
  if (s.minSyncReplicas !== undefined && s.maxSyncReplicas !== undefined) {
    if (s.minSyncReplicas > s.maxSyncReplicas) p.push('minSyncReplicas > maxSyncReplicas');
    if (s.maxSyncReplicas >= s.instances) p.push('maxSyncReplicas must be < instances');
  }
  const initdb = ((s.bootstrap || {}).initdb) || null;
  if (s.bootstrap && !initdb) p.push('spec.bootstrap: expected initdb');
  if (initdb) {
    for (const k of ['database', 'owner']) if (typeof initdb[k] !== 'string') p.push(`bootstrap.initdb.${k}: string required`);
    if (initdb.postInitApplicationSQL && !initdb.postInitApplicationSQL.every((x) => typeof x === 'string')) {
      p.push('bootstrap.initdb.postInitApplicationSQL: list of strings');
    }
  }
  for (const r of ((s.managed || {}).roles) || []) {
    if (typeof r.name !== 'string') p.push('managed.roles[]: name required');
    if (r.ensure && !['present', 'absent'].includes(r.ensure)) p.push(`managed.roles[${r.name}].ensure: present|absent`);
    if (r.passwordSecret && typeof r.passwordSecret.name !== 'string') p.push(`managed.roles[${r.name}].passwordSecret.name required`);
  }
  const aff = s.affinity || {};
  if (aff.podAntiAffinityType && !['preferred', 'required'].includes(aff.podAntiAffinityType)) {
    p.push('affinity.podAntiAffinityType: preferred|required');
  }
  if (s.primaryUpdateStrategy && !['unsupervised', 'supervised'].includes(s.primaryUpdateStrategy)) {
    p.push('primaryUpdateStrategy: unsupervised|supervised');
  }
  for (const [k, v] of Object.entries(((s.postgresql || {}).parameters) || {})) {
    if (typeof v !== 'string') p.push(`postgresql.parameters.${k}: must be a string`);
  }
  // The rest of the object is ordinary Kubernetes: check its resources block with the core schema.
  if (s.resources) {
    const { Pod } = require('kubernetes-models/v1/Pod');
    try {
      new Pod({ metadata: { name: 'x' }, spec: { containers: [{ name: 'x', resources: s.resources }] } }).validate();
    } catch (e) {
      p.push(`spec.resources: ${e.message}`);
    }
  }
  return p;
}

function schemaProblems(o) {
  if (!o || typeof o !== 'object') return ['not an object'];
  if (!o.apiVersion || !o.kind) return ['apiVersion and kind required'];
  if (!o.metadata || !o.metadata.name) return ['metadata.name required'];
  if (o.apiVersion === 'postgresql.cnpg.io/v1' && o.kind === 'Cluster') return checkCnpgCluster(o);
  const Model = modelFor(o.apiVersion, o.kind);
  if (!Model) return [`no schema for ${o.apiVersion} ${o.kind}: unknown kind`];
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    return [String(e.message || e).split('\n').slice(0, 6).join('; ')];
  }
}

// ---- helpers ----------------------------------------------------------------------------------
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const PROJECT_IMAGE = /^(?:[^/]+\/)*xuncha(?::[A-Za-z0-9_.-]+)?(?:@sha256:[0-9a-f]{64})?$/;
// Third-party images allowed, only for datastores, always with a tag.
const THIRD_PARTY = [/^docker\.io\/library\/postgres:15[\w.-]*$/, /^docker\.io\/library\/redis:7\.[\w.-]+$/,
  /^ghcr\.io\/cloudnative-pg\/postgresql:15[\w.-]*$/];

const id = (o) => `${o.kind}/${o.metadata.name}`;
const podSpec = (o) => (o.kind === 'Job' ? o.spec.template.spec : ((o.spec || {}).template || {}).spec);
const podLabels = (o) => (((o.spec || {}).template || {}).metadata || {}).labels || {};
function matches(selector, labels) {
  if (!selector) return false;
  const ml = selector.matchLabels || selector;
  if (typeof ml !== 'object') return false;
  return Object.entries(ml).every(([k, v]) => labels[k] === v);
}
function quantityPresent(r, kind) {
  return r && r[kind] && r[kind].cpu !== undefined && r[kind].memory !== undefined;
}

function containerProblems(o, c, pod, isInit) {
  const p = [];
  const where = `${isInit ? 'initContainer' : 'container'} ${c.name}`;
  const r = c.resources || {};
  if (!quantityPresent(r, 'requests')) p.push(`${where}: resources.requests.cpu/memory missing`);
  if (!quantityPresent(r, 'limits')) p.push(`${where}: resources.limits.cpu/memory missing`);
  const sc = c.securityContext || {};
  const psc = pod.securityContext || {};
  if (sc.readOnlyRootFilesystem !== true) p.push(`${where}: securityContext.readOnlyRootFilesystem must be true`);
  if (sc.allowPrivilegeEscalation !== false) p.push(`${where}: securityContext.allowPrivilegeEscalation must be false`);
  if (!((sc.capabilities || {}).drop || []).includes('ALL')) p.push(`${where}: securityContext.capabilities.drop must include ALL`);
  if (sc.privileged === true) p.push(`${where}: privileged`);
  if (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true) p.push(`${where}: runAsNonRoot must be true`);
  const seccomp = ((sc.seccompProfile || psc.seccompProfile) || {}).type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') p.push(`${where}: seccompProfile must be RuntimeDefault`);
  if (sc.runAsUser === 0 || psc.runAsUser === 0) p.push(`${where}: runs as uid 0`);
  if (!isInit && !c.readinessProbe) p.push(`${where}: readinessProbe missing`);
  if (!isInit && !c.livenessProbe) p.push(`${where}: livenessProbe missing`);
  if (!c.image) p.push(`${where}: image missing`);
  else if (/:latest$/.test(c.image) || !/[:@]/.test(c.image.split('/').pop())) {
    if (!PROJECT_IMAGE.test(c.image) || !/[:@]/.test(c.image.split('/').pop())) p.push(`${where}: image ${c.image} has no fixed tag`);
  }
  return p;
}

function projectContainerProblems(o, c, pod, isInit, overlay, objects) {
  // Containers running our image: program, env names, probes.
  const p = [];
  const where = `${isInit ? 'initContainer' : 'container'} ${c.name}`;
  const program = (c.args || [])[0];
  if (c.command) p.push(`${where}: must not override the entrypoint (command)`);
  if (!context.programs.includes(program)) {
    p.push(`${where}: args[0] '${program}' is not a program of the image (${context.programs.join(', ')})`);
    return p;
  }
  const allowed = new Set(context.settings[program] || context.settings['*']);
  for (const arg of (c.args || []).slice(1)) {
    const m = /^--([a-z0-9_-]+)=/.exec(arg);
    const key = m && `XUNCHA_${m[1].toUpperCase().replace(/-/g, '_')}`;
    if (!key || !allowed.has(key)) p.push(`${where}: flag ${arg} is not a setting '${program}' reads`);
  }
  for (const e of c.env || []) {
    if (!allowed.has(e.name)) {
      p.push(`${where}: env ${e.name} is not a setting xuncha-${program} reads`);
    }
    const cmRef = (e.valueFrom || {}).configMapKeyRef;
    if (cmRef && !cmRef.optional) {
      const cm = objects.find((x) => x.kind === 'ConfigMap' && x.metadata.name === cmRef.name);
      if (!cm) p.push(`${where}: env ${e.name}: ConfigMap ${cmRef.name} is not rendered`);
      else if (!(cmRef.key in (cm.data || {}))) p.push(`${where}: env ${e.name}: ConfigMap ${cmRef.name} has no key ${cmRef.key}`);
    }
  }
  for (const ef of c.envFrom || []) p.push(`${where}: envFrom hides which settings are set; list env names`);
  if (!isInit && o.kind === 'Deployment') {
    const grpcPort = (c.ports || []).find((x) => x.name === 'grpc');
    const listen = (c.env || []).find((x) => x.name === 'XUNCHA_LISTEN' || x.name === 'XUNCHA_HTTP_LISTEN');
    if (!listen) p.push(`${where}: XUNCHA_LISTEN / XUNCHA_HTTP_LISTEN not set (the default binds loopback)`);
    else if (!/^0\.0\.0\.0:\d+$/.test(listen.value || '')) p.push(`${where}: ${listen.name}=${listen.value}: must be 0.0.0.0:<port>`);
    if (program !== 'gateway') {
      if (!grpcPort) p.push(`${where}: no container port named grpc`);
      const rp = c.readinessProbe || {};
      const lp = c.livenessProbe || {};
      if (!rp.grpc) p.push(`${where}: readinessProbe must be a gRPC probe (health service)`);
      else if (grpcPort && rp.grpc.port !== grpcPort.containerPort) p.push(`${where}: readinessProbe.grpc.port ${rp.grpc.port} != container port ${grpcPort.containerPort}`);
      if (lp.grpc) p.push(`${where}: livenessProbe must not use the gRPC health service (it reports database state)`);
      if (grpcPort && listen && listen.value !== `0.0.0.0:${grpcPort.containerPort}`) p.push(`${where}: ${listen.name}=${listen.value} but container port is ${grpcPort.containerPort}`);
      const schema = (c.env || []).find((x) => x.name === 'XUNCHA_DB_SCHEMA');
      if (!schema || schema.value !== program) p.push(`${where}: XUNCHA_DB_SCHEMA must be '${program}'`);
    }
  }
  if (isInit && program !== 'gateway' && !(c.args || []).includes('--migrate_only=true')) {
    p.push(`${where}: an initContainer of the project image must only migrate (--migrate_only=true)`);
  }
  return p;
}

// ---- per overlay --------------------------------------------------------------------------------
function checkOverlay(overlay, objects) {
  const secrets = (context.secrets || {})[overlay] || {};
  const externalConfigMaps = (context.configMaps || {})[overlay] || {};
  const pods = objects.filter((o) => WORKLOADS.has(o.kind));
  const seen = new Set();

  for (const o of objects) {
    const name = `${overlay} ${o && o.kind}/${o && o.metadata && o.metadata.name}`;
    const problems = schemaProblems(o);
    if (problems.length) { report(name, problems.map((x) => `schema: ${x}`)); continue; }
    if (seen.has(id(o))) problems.push('duplicate object');
    seen.add(id(o));
    if (o.kind !== 'Namespace' && o.metadata.namespace !== 'xuncha') problems.push(`namespace is '${o.metadata.namespace}', expected xuncha`);
    if (o.kind === 'Secret') problems.push('a Secret is rendered: Secrets are never committed (k8s/tools/make-secrets.sh)');

    if (WORKLOADS.has(o.kind)) {
      const pod = podSpec(o);
      const psc = pod.securityContext || {};
      if (psc.runAsNonRoot !== true) problems.push('pod securityContext.runAsNonRoot must be true');
      if (((psc.seccompProfile || {}).type) !== 'RuntimeDefault') problems.push('pod securityContext.seccompProfile must be RuntimeDefault');
      if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('host namespaces');
      if (pod.automountServiceAccountToken !== false) problems.push('automountServiceAccountToken must be false (no pod needs the API)');
      for (const [list, isInit] of [[pod.initContainers || [], true], [pod.containers || [], false]]) {
        for (const c of list) {
          problems.push(...containerProblems(o, c, pod, isInit));
          if (PROJECT_IMAGE.test(c.image || '')) problems.push(...projectContainerProblems(o, c, pod, isInit, overlay, objects));
          else if (!THIRD_PARTY.some((re) => re.test(c.image || ''))) problems.push(`container ${c.name}: image ${c.image} is neither the project's (xuncha) nor an allowed datastore image`);
          else if (['grpc-service', 'gateway'].includes(podLabels(o)['app.kubernetes.io/component'])) problems.push(`container ${c.name}: a ${podLabels(o)['app.kubernetes.io/component']} must run the project image`);
          for (const e of c.env || []) {
            const sRef = (e.valueFrom || {}).secretKeyRef;
            if (sRef && !sRef.optional && !(secrets[sRef.name] || []).includes(sRef.key)) {
              problems.push(`container ${c.name}: env ${e.name}: Secret ${sRef.name} key ${sRef.key} is not made by k8s/tools/make-secrets.sh ${overlay}`);
            }
            if (sRef && sRef.optional && !secrets[sRef.name]) problems.push(`container ${c.name}: optional Secret ${sRef.name} is not made by make-secrets.sh`);
          }
          const volumes = new Map((pod.volumes || []).map((v) => [v.name, v]));
          for (const t of (o.spec.volumeClaimTemplates || [])) volumes.set(t.metadata.name, t);
          for (const m of c.volumeMounts || []) if (!volumes.has(m.name)) problems.push(`container ${c.name}: mounts unknown volume ${m.name}`);
        }
      }
      for (const v of pod.volumes || []) {
        if (v.secret && !(v.secret.optional) && !secrets[v.secret.secretName]) problems.push(`volume ${v.name}: Secret ${v.secret.secretName} is not made by make-secrets.sh ${overlay}`);
        if (v.configMap && !objects.some((x) => x.kind === 'ConfigMap' && x.metadata.name === v.configMap.name) && !externalConfigMaps[v.configMap.name]) {
          problems.push(`volume ${v.name}: ConfigMap ${v.configMap.name} is neither rendered nor made by make-secrets.sh`);
        }
        if (v.hostPath) problems.push(`volume ${v.name}: hostPath`);
      }
      if (o.kind === 'Deployment') {
        if (!objects.some((x) => x.kind === 'PodDisruptionBudget' && matches(x.spec.selector, podLabels(o)))) problems.push('no PodDisruptionBudget selects its pods');
        if (!objects.some((x) => x.kind === 'Service' && x.spec.selector && matches(x.spec.selector, podLabels(o)))) problems.push('no Service selects its pods');
      }
    }
    if (o.kind === 'Service') {
      for (const port of o.spec.ports || []) if (!port.name) problems.push(`port ${port.port} has no name`);
      const selected = pods.filter((w) => o.spec.selector && matches(o.spec.selector, podLabels(w)) &&
        // StatefulSet pod-name labels are set by the controller, not the template.
        true);
      const selector = Object.fromEntries(Object.entries(o.spec.selector || {}).filter(([k]) => k !== 'statefulset.kubernetes.io/pod-name'));
      const targets = pods.filter((w) => matches(selector, podLabels(w)));
      if (!o.spec.selector) problems.push('no selector');
      else if (targets.length === 0) problems.push(`selector ${JSON.stringify(o.spec.selector)} matches no pod template`);
      for (const port of o.spec.ports || []) {
        if (typeof port.targetPort === 'string') {
          const ok = targets.some((w) => podSpec(w).containers.some((c) => (c.ports || []).some((cp) => cp.name === port.targetPort)));
          if (targets.length && !ok) problems.push(`targetPort ${port.targetPort} is no container port name of the selected pods`);
        }
      }
      void selected;
      if (podLabels(targets[0] || {})['app.kubernetes.io/component'] === 'grpc-service' && !(o.spec.ports || []).some((x) => x.name === 'grpc')) {
        problems.push('a gRPC service\'s Service port must be named grpc');
      }
    }
    if (o.kind === 'HorizontalPodAutoscaler') {
      const t = o.spec.scaleTargetRef;
      if (!objects.some((x) => x.kind === t.kind && x.metadata.name === t.name)) problems.push(`scaleTargetRef ${t.kind}/${t.name} not rendered`);
      if (o.spec.minReplicas > o.spec.maxReplicas) problems.push('minReplicas > maxReplicas');
    }
    if (o.kind === 'PodDisruptionBudget') {
      if (!pods.some((w) => matches(o.spec.selector, podLabels(w)))) problems.push('selector matches no pod template');
    }
    if (o.kind === 'NetworkPolicy') {
      const sel = o.spec.podSelector || {};
      const empty = !sel.matchLabels && !sel.matchExpressions;
      const cnpgPods = objects.filter((x) => x.kind === 'Cluster').map((x) => ((x.spec.inheritedMetadata || {}).labels) || {});
      const labelSets = pods.map(podLabels).concat(cnpgPods);
      if (!empty && !labelSets.some((l) => matches(sel, l))) problems.push(`podSelector ${JSON.stringify(sel)} matches no pod`);
      for (const rule of [...(o.spec.ingress || []).flatMap((r) => r.from || []), ...(o.spec.egress || []).flatMap((r) => r.to || [])]) {
        if (rule.podSelector && !rule.namespaceSelector && (rule.podSelector.matchLabels) && !labelSets.some((l) => matches(rule.podSelector, l))) {
          problems.push(`peer podSelector ${JSON.stringify(rule.podSelector)} matches no pod`);
        }
      }
    }
    if (o.kind === 'Ingress') {
      for (const rule of o.spec.rules || []) for (const path of (rule.http || {}).paths || []) {
        const svc = path.backend.service;
        const target = objects.find((x) => x.kind === 'Service' && x.metadata.name === svc.name);
        if (!target) problems.push(`backend Service ${svc.name} not rendered`);
        else if (svc.port.name && !target.spec.ports.some((x) => x.name === svc.port.name)) problems.push(`backend port ${svc.port.name} not on Service ${svc.name}`);
      }
    }
    if (o.kind === 'Cluster') {
      for (const r of ((o.spec.managed || {}).roles) || []) {
        const ref = (r.passwordSecret || {}).name;
        if (ref && !(secrets[ref] || []).includes('password')) problems.push(`managed role ${r.name}: Secret ${ref} (username/password) is not made by make-secrets.sh ${overlay}`);
      }
    }
    report(`${overlay} ${id(o)}`, problems);
  }

  // ---- cross-object rules -------------------------------------------------------------------
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  const services = objects.filter((o) => o.kind === 'Service');
  const grpcDeployments = deployments.filter((d) => podLabels(d)['app.kubernetes.io/component'] === 'grpc-service');
  const topo = [];
  if (grpcDeployments.length !== 7) topo.push(`expected 7 gRPC service Deployments, found ${grpcDeployments.length}`);
  if (!deployments.some((d) => d.metadata.name === 'gateway')) topo.push('no gateway Deployment');
  if (!objects.some((o) => o.kind === 'Ingress')) topo.push('no Ingress');
  const gateway = deployments.find((d) => d.metadata.name === 'gateway');
  for (const d of grpcDeployments) {
    const svc = d.metadata.name;
    const port = podSpec(d).containers[0].ports.find((x) => x.name === 'grpc').containerPort;
    const headless = services.find((s) => s.metadata.name === `${svc}-headless`);
    if (!headless || headless.spec.clusterIP !== 'None') topo.push(`${svc}: no headless Service ${svc}-headless`);
    else if (!headless.spec.ports.some((x) => x.name === 'grpc' && x.port === port)) topo.push(`${svc}-headless: no port grpc ${port}`);
    const clusterIp = services.find((s) => s.metadata.name === svc);
    if (!clusterIp || clusterIp.spec.clusterIP === 'None') topo.push(`${svc}: no ClusterIP Service ${svc}`);
    if (gateway) {
      const env = (podSpec(gateway).containers[0].env || []).find((x) => x.name === `XUNCHA_${svc.toUpperCase()}_ADDR`);
      if (!env) topo.push(`gateway: XUNCHA_${svc.toUpperCase()}_ADDR not set`);
      else if (env.value !== `dns:///${svc}-headless:${port}`) topo.push(`gateway: XUNCHA_${svc.toUpperCase()}_ADDR=${env.value}, expected dns:///${svc}-headless:${port}`);
    }
    const sa = podSpec(d).serviceAccountName;
    if (!objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)) topo.push(`${svc}: ServiceAccount ${sa} not rendered`);
  }
  const ports = grpcDeployments.map((d) => podSpec(d).containers[0].ports[0].containerPort);
  if (new Set(ports).size !== ports.length) topo.push(`gRPC ports not distinct: ${ports}`);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const defaultDeny = policies.find((p) => Object.keys(p.spec.podSelector || {}).length === 0 &&
    (p.spec.policyTypes || []).includes('Ingress') && (p.spec.policyTypes || []).includes('Egress') && !p.spec.ingress && !p.spec.egress);
  if (!defaultDeny) topo.push('no default-deny NetworkPolicy (ingress and egress)');
  if (!policies.some((p) => (p.spec.egress || []).some((r) => (r.ports || []).some((x) => x.port === 53)))) topo.push('no DNS egress policy');
  for (const store of ['postgresql', 'redis']) {
    if (!policies.some((p) => matches(p.spec.podSelector, { 'xuncha.io/datastore': store }) && (p.spec.ingress || []).length)) topo.push(`no ingress policy for ${store}`);
  }
  // Only the gateway may reach the gRPC services.
  for (const p of policies) {
    for (const r of p.spec.ingress || []) {
      if (!matches(p.spec.podSelector, { 'app.kubernetes.io/component': 'grpc-service' })) continue;
      for (const f of r.from || []) {
        if (!f.podSelector || f.namespaceSelector || !matches(f.podSelector, { 'app.kubernetes.io/name': 'gateway' }) ||
          Object.keys(f.podSelector.matchLabels || {}).length !== 1) topo.push(`NetworkPolicy/${p.metadata.name}: gRPC services admit more than the gateway`);
      }
      if (!(r.from || []).length) topo.push(`NetworkPolicy/${p.metadata.name}: gRPC services admit everyone`);
    }
  }
  if (overlay === 'single-office') {
    if (hpas.length) topo.push('single-office must not autoscale (found HorizontalPodAutoscalers)');
    for (const d of deployments) if (d.spec.replicas !== 1) topo.push(`Deployment/${d.metadata.name}: replicas ${d.spec.replicas}, expected 1`);
    if (!objects.some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgresql')) topo.push('no in-cluster PostgreSQL StatefulSet');
    if (!objects.some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis')) topo.push('no in-cluster Redis StatefulSet');
  }
  if (overlay === 'province') {
    for (const d of deployments) {
      const h = hpas.find((x) => x.spec.scaleTargetRef.name === d.metadata.name);
      if (!h) topo.push(`Deployment/${d.metadata.name}: no HPA`);
      else if (h.spec.minReplicas < 2) topo.push(`HPA/${h.metadata.name}: minReplicas ${h.spec.minReplicas} < 2`);
      if (d.spec.replicas !== undefined) topo.push(`Deployment/${d.metadata.name}: sets replicas while an HPA owns them`);
      const spread = podSpec(d).topologySpreadConstraints || [];
      if (!spread.some((t) => t.topologyKey === 'kubernetes.io/hostname' && t.whenUnsatisfiable === 'DoNotSchedule')) topo.push(`Deployment/${d.metadata.name}: no hard spread across nodes`);
      const anti = (((podSpec(d).affinity || {}).podAntiAffinity) || {});
      const terms = [...(anti.requiredDuringSchedulingIgnoredDuringExecution || []), ...(anti.preferredDuringSchedulingIgnoredDuringExecution || []).map((t) => t.podAffinityTerm)];
      if (!terms.some((t) => matches(t.labelSelector, podLabels(d)) && t.labelSelector.matchLabels['app.kubernetes.io/name'] === d.metadata.name)) topo.push(`Deployment/${d.metadata.name}: no anti-affinity against its own replicas`);
    }
    const cluster = objects.find((o) => o.kind === 'Cluster' && o.apiVersion === 'postgresql.cnpg.io/v1');
    if (!cluster) topo.push('no CloudNativePG Cluster');
    else if (cluster.spec.instances < 3) topo.push('CloudNativePG Cluster: fewer than 3 instances');
    const redis = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis');
    if (!redis || redis.spec.replicas < 3) topo.push('Redis: fewer than 3 pods (primary + 2 replicas)');
    // Connection budget: every pod's pool must fit in max_connections.
    if (cluster) {
      const settings = objects.find((o) => o.kind === 'ConfigMap' && /^xuncha-settings/.test(o.metadata.name));
      const pool = Number(((settings || {}).data || {}).XUNCHA_DB_POOL_SIZE || 16);
      const maxPods = grpcDeployments.reduce((n, d) => n + ((hpas.find((h) => h.spec.scaleTargetRef.name === d.metadata.name) || { spec: { maxReplicas: 1 } }).spec.maxReplicas), 0);
      const maxConn = Number(((cluster.spec.postgresql || {}).parameters || {}).max_connections || 100);
      if (maxPods * pool > maxConn - 50) topo.push(`connections: ${maxPods} service pods x pool ${pool} = ${maxPods * pool} > max_connections ${maxConn} - 50 reserved`);
    }
  } else {
    const pg = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgresql');
    const settings = objects.find((o) => o.kind === 'ConfigMap' && /^xuncha-settings/.test(o.metadata.name));
    const pool = Number(((settings || {}).data || {}).XUNCHA_DB_POOL_SIZE || 16);
    const arg = pg && (podSpec(pg).containers[0].args || []).find((x) => /^max_connections=/.test(x));
    const maxConn = arg ? Number(arg.split('=')[1]) : 100;
    if (grpcDeployments.length * pool > maxConn - 10) topo.push(`connections: ${grpcDeployments.length} x pool ${pool} > max_connections ${maxConn} - 10`);
  }
  report(`${overlay} topology (services, gateway addresses, policies, replicas)`, topo);
}

// Secrets and ConfigMaps that k8s/tools/make-secrets.sh prints, per overlay: names and keys, and
// a schema check of each (they are applied with kubectl, so they must be valid objects too).
context.secrets = {};
context.configMaps = {};
for (const [overlay, file] of Object.entries(context.secretFiles || {})) {
  context.secrets[overlay] = {};
  context.configMaps[overlay] = {};
  let docs = [];
  try {
    docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter((o) => o);
  } catch (e) {
    report(`${overlay} make-secrets.sh output`, [String(e.message)]);
    continue;
  }
  for (const o of docs) {
    const problems = schemaProblems(o);
    if (o.kind === 'Secret') context.secrets[overlay][o.metadata.name] = Object.keys(o.data || {});
    else if (o.kind === 'ConfigMap') context.configMaps[overlay][o.metadata.name] = Object.keys(o.data || {});
    else problems.push('make-secrets.sh should print only Secrets and ConfigMaps');
    if (o.metadata.namespace !== 'xuncha') problems.push('namespace must be xuncha');
    report(`${overlay} make-secrets.sh ${o.kind}/${o.metadata.name}`, problems);
  }
}

for (const input of inputs) {
  const eq = input.indexOf('=');
  const overlay = input.slice(0, eq);
  const file = input.slice(eq + 1);
  let objects;
  try {
    objects = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => {
      if (d.errors.length) throw new Error(d.errors[0].message);
      return d.toJS();
    }).filter((o) => o);
  } catch (e) {
    report(`${overlay} parse`, [String(e.message)]);
    continue;
  }
  if (objects.length === 0) { report(`${overlay} parse`, ['no objects rendered']); continue; }
  checkOverlay(overlay, objects);
}

console.log(`validate: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
