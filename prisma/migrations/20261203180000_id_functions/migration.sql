-- keygraph node ids in SQL (lib/graph/ids.ts is the reference; lib/graph/ids.sql.test.ts checks they agree):
--   k8s:CLUSTER/NAMESPACE/KIND/NAME (namespaced), k8s:CLUSTER/KIND/NAME (cluster-scoped), gcp:PROJECT/KIND/NAME.
-- kg_id_parts(id) is ARRAY[provider, realm, namespace, kind, name] (namespace NULL when cluster-scoped), or NULL for
-- anything parseId rejects: wrong provider, wrong number of segments, an empty segment, a `.`/`..` segment, a
-- segment holding `/`, a control character or JavaScript whitespace, a segment over 320 or an id over 1,024 UTF-16
-- code units. The accessors kg_id_provider/realm/namespace/kind/name return one part (NULL when not an id).
-- Also: runs.skipped, the input documents a collection did not map and why (lib/graph/records.ts CollectionSkip).

-- Length in UTF-16 code units (JavaScript's String.length): characters outside the BMP count twice.
CREATE OR REPLACE FUNCTION kg_utf16_length(s text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT length(s) + length(regexp_replace(s, '[^\U00010000-\U0010FFFF]', '', 'g')) $$;

CREATE OR REPLACE FUNCTION kg_id_parts(id text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
  parts text[];
  seg text;
BEGIN
  IF left(id, 4) NOT IN ('k8s:', 'gcp:') THEN RETURN NULL; END IF;
  -- 3 or 4 non-empty segments of characters other than '/', control characters (U+0001-U+001F), and the
  -- characters JavaScript's \s matches.
  IF substr(id, 5) !~ '^[^/\u0001-\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+(/[^/\u0001-\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+){2,3}$' THEN
    RETURN NULL;
  END IF;
  IF ('/' || substr(id, 5) || '/') ~ '/\.\.?/' THEN RETURN NULL; END IF;
  -- UTF-16 length <= UTF-8 length: the exact count is needed only for long ids.
  IF octet_length(id) > 1024 AND kg_utf16_length(id) > 1024 THEN RETURN NULL; END IF;
  parts := string_to_array(substr(id, 5), '/');
  FOREACH seg IN ARRAY parts LOOP
    IF octet_length(seg) > 320 AND kg_utf16_length(seg) > 320 THEN RETURN NULL; END IF;
  END LOOP;
  IF left(id, 3) = 'gcp' THEN
    IF cardinality(parts) <> 3 THEN RETURN NULL; END IF;
    RETURN ARRAY['gcp', parts[1], NULL, parts[2], parts[3]];
  END IF;
  IF cardinality(parts) = 4 THEN RETURN ARRAY['k8s', parts[1], parts[2], parts[3], parts[4]]; END IF;
  RETURN ARRAY['k8s', parts[1], NULL, parts[2], parts[3]];
END
$$;

CREATE OR REPLACE FUNCTION kg_id_provider(id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (kg_id_parts(id))[1] $$;
CREATE OR REPLACE FUNCTION kg_id_realm(id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (kg_id_parts(id))[2] $$;
CREATE OR REPLACE FUNCTION kg_id_namespace(id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (kg_id_parts(id))[3] $$;
CREATE OR REPLACE FUNCTION kg_id_kind(id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (kg_id_parts(id))[4] $$;
CREATE OR REPLACE FUNCTION kg_id_name(id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (kg_id_parts(id))[5] $$;
-- `PROVIDER:KIND`, the kind key edges' origin_kind and run coverage use.
CREATE OR REPLACE FUNCTION kg_id_kind_key(id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (kg_id_parts(id))[1] || ':' || (kg_id_parts(id))[4] $$;

ALTER TABLE "runs" ADD COLUMN "skipped" JSONB NOT NULL DEFAULT '[]';
