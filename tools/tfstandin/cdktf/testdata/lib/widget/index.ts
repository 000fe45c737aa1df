// Trimmed from the shapes @cdktf/provider-aws 21.22.1 generates (lib/*/index.ts,
// embedded in index.js as an inline source map): a resource with a set
// block, a max-one list block, a single-nested timeouts block, a framework
// nested attribute and a computed-only list of objects.

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface WidgetConfig extends cdktf.TerraformMetaArguments {
  readonly name: string;
  readonly tags?: { [key: string]: string };
  readonly rule: WidgetRule[] | cdktf.IResolvable;
  readonly logging?: WidgetLogging;
}
export interface WidgetEndpoints {
}

export function widgetEndpointsToHclTerraform(struct?: WidgetEndpoints): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  const attrs = {
  };
  return attrs;
}

export class WidgetEndpointsOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;

  // address - computed: true, optional: false, required: false
  public get address() {
    return this.getStringAttribute('address');
  }

  // port - computed: true, optional: false, required: false
  public get port() {
    return this.getNumberAttribute('port');
  }

  // zones - computed: true, optional: false, required: false
  public get zones() {
    return cdktf.Fn.tolist(this.getListAttribute('zones'));
  }
}

export class WidgetEndpointsList extends cdktf.ComplexList {

  /**
  * @param index the index of the item to return
  */
  public get(index: number): WidgetEndpointsOutputReference {
    return new WidgetEndpointsOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet);
  }
}
export interface WidgetRule {
  readonly enabled: boolean | cdktf.IResolvable;
  readonly id?: string;
  readonly values?: string[];
}

export function widgetRuleToHclTerraform(struct?: WidgetRule | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  const attrs = {
    enabled: {
      value: cdktf.booleanToHclTerraform(struct!.enabled),
      isBlock: false,
      type: "simple",
      storageClassType: "boolean",
    },
    id: {
      value: cdktf.stringToHclTerraform(struct!.id),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
    values: {
      value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(struct!.values),
      isBlock: false,
      type: "set",
      storageClassType: "stringList",
    },
  };

  // remove undefined attributes
  return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined));
}

export class WidgetRuleOutputReference extends cdktf.ComplexObject {

  // enabled - computed: false, optional: false, required: true
  private _enabled?: boolean | cdktf.IResolvable; 
  public get enabled() {
    return this.getBooleanAttribute('enabled');
  }

  // id - computed: true, optional: true, required: false
  private _id?: string; 
  public get id() {
    return this.getStringAttribute('id');
  }

  // values - computed: false, optional: true, required: false
  private _values?: string[]; 
  public get values() {
    return cdktf.Fn.tolist(this.getListAttribute('values'));
  }
}

export class WidgetRuleList extends cdktf.ComplexList {
  public get(index: number): WidgetRuleOutputReference {
    return new WidgetRuleOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet);
  }
}
export interface WidgetLogging {
  readonly target: string;
}

export function widgetLoggingToHclTerraform(struct?: WidgetLoggingOutputReference | WidgetLogging): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  const attrs = {
    target: {
      value: cdktf.stringToHclTerraform(struct!.target),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
  };
  return attrs;
}

export class WidgetLoggingOutputReference extends cdktf.ComplexObject {

  // target - computed: false, optional: false, required: true
  private _target?: string; 
  public get target() {
    return this.getStringAttribute('target');
  }
}
export interface WidgetSettings {
  readonly mode?: string;
}

export function widgetSettingsToHclTerraform(struct?: WidgetSettings | cdktf.IResolvable): any {
  const attrs = {
    mode: {
      value: cdktf.stringToHclTerraform(struct!.mode),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
  };
  return attrs;
}

export class WidgetSettingsOutputReference extends cdktf.ComplexObject {

  // mode - computed: true, optional: true, required: false
  private _mode?: string; 
  public get mode() {
    return this.getStringAttribute('mode');
  }
}
export interface WidgetTimeouts {
  readonly create?: string;
}

export function widgetTimeoutsToHclTerraform(struct?: WidgetTimeouts | cdktf.IResolvable): any {
  const attrs = {
    create: {
      value: cdktf.stringToHclTerraform(struct!.create),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
  };
  return attrs;
}

export class WidgetTimeoutsOutputReference extends cdktf.ComplexObject {

  // create - computed: false, optional: true, required: false
  private _create?: string; 
  public get create() {
    return this.getStringAttribute('create');
  }
}

/**
* Represents a {@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/widget aws_widget}
*/
export class Widget extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "aws_widget";

  // arn - computed: true, optional: false, required: false
  public get arn() {
    return this.getStringAttribute('arn');
  }

  // endpoints - computed: true, optional: false, required: false
  private _endpoints = new WidgetEndpointsList(this, "endpoints", false);
  public get endpoints() {
    return this._endpoints;
  }

  // name - computed: false, optional: false, required: true
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }

  // tags - computed: false, optional: true, required: false
  private _tags?: { [key: string]: string }; 
  public get tags() {
    return this.getStringMapAttribute('tags');
  }

  // tags_all - computed: true, optional: false, required: false
  private _tagsAll = new cdktf.StringMap(this, "tags_all");
  public get tagsAll() {
    return this._tagsAll;
  }

  // rule - computed: false, optional: false, required: true
  private _rule = new WidgetRuleList(this, "rule", true);
  public get rule() {
    return this._rule;
  }

  // logging - computed: false, optional: true, required: false
  private _logging = new WidgetLoggingOutputReference(this, "logging");
  public get logging() {
    return this._logging;
  }

  // settings - computed: true, optional: true, required: false
  private _settings = new WidgetSettingsOutputReference(this, "settings");
  public get settings() {
    return this._settings;
  }

  // timeouts - computed: false, optional: true, required: false
  private _timeouts = new WidgetTimeoutsOutputReference(this, "timeouts");
  public get timeouts() {
    return this._timeouts;
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      tags: {
        value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(this._tags),
        isBlock: false,
        type: "map",
        storageClassType: "stringMap",
      },
      rule: {
        value: cdktf.listMapperHcl(widgetRuleToHclTerraform, true)(this._rule.internalValue),
        isBlock: true,
        type: "set",
        storageClassType: "WidgetRuleList",
      },
      logging: {
        value: widgetLoggingToHclTerraform(this._logging.internalValue),
        isBlock: true,
        type: "list",
        storageClassType: "WidgetLoggingList",
      },
      settings: {
        value: widgetSettingsToHclTerraform(this._settings.internalValue),
        isBlock: false,
        type: "struct",
        storageClassType: "WidgetSettings",
      },
      timeouts: {
        value: widgetTimeoutsToHclTerraform(this._timeouts.internalValue),
        isBlock: true,
        type: "struct",
        storageClassType: "WidgetTimeouts",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
